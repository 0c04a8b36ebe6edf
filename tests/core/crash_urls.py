"""Tandem's URLs plus one that fails, for the server error page's tests only (never in tandem/urls.py)."""

from django.urls import path

from tandem import urls as project
from tandem.core.rules import Access, Open


def fails(request):
    raise RuntimeError("secret internal detail: settings.SECRET_KEY and /srv/tandem/tandem/views.py line 12")


urlpatterns = [*project.urlpatterns, path("test-only/fails/", fails, name="test_only_fails")]
# Read by tandem.core.access.rules_for: who may open this URLconf's own extra URL.
access_rules = {"test_only_fails": Access(read=Open.MEMBER, change=Open.MEMBER)}
handler404 = project.handler404
handler500 = project.handler500

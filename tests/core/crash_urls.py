"""Tandem's URLs plus one that fails, for the server error page's tests only (never in tandem/urls.py)."""

from django.urls import path

from tandem import urls as project


def fails(request):
    raise RuntimeError("secret internal detail: settings.SECRET_KEY and /srv/tandem/tandem/views.py line 12")


urlpatterns = [*project.urlpatterns, path("test-only/fails/", fails)]
handler404 = project.handler404
handler500 = project.handler500

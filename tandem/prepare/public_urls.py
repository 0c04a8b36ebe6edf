"""The person's own pages, reached from the link in their pack: no account, an expiring link."""

from .views import public

app_name = "reply"

urlpatterns = [*public.urlpatterns]

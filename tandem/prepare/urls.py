from django.urls import path  # noqa: F401

from .views import agenda, staff, wording

app_name = "prepare"

urlpatterns = [*staff.urlpatterns, *wording.urlpatterns, *agenda.urlpatterns]

from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("", views.search, name="search"),
    path("<id:pk>/", views.summary, name="summary"),
    path("<id:pk>/named-clinician/", views.named_clinician, name="named_clinician"),
]

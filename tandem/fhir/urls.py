from django.urls import path

from . import views

app_name = "fhir"

urlpatterns = [
    path("", views.upload, name="upload"),
]

from django.urls import path

from . import views

app_name = "continuity"

urlpatterns = [
    path("", views.practice, name="practice"),
    path("without-named-clinician/", views.without_named, name="without_named"),
]

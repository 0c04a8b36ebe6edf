from django.urls import path

from . import views

app_name = "continuity"

urlpatterns = [
    path("", views.practice, name="practice"),
]

from django.urls import path

from . import views

app_name = "team"

urlpatterns = [
    path("", views.index, name="index"),
    path("add/", views.add, name="add"),
    path("member/", views.member, name="member"),
    path("steps/", views.steps, name="steps"),
]

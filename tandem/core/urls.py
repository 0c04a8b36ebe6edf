from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("sign-in/", views.login, name="login"),
    path("sign-out/", views.logout, name="logout"),
    path("practice/", views.choose_practice, name="choose_practice"),
]

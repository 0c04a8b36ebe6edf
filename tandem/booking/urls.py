from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("reviews/<id:review_pk>/", views.review, name="review"),
    path("reviews/<id:review_pk>/book/", views.book, name="book"),
    path("appointments/<id:appointment_pk>/cancel/", views.cancel, name="cancel"),
    path("appointments/<id:appointment_pk>/outcome/", views.outcome, name="outcome"),
    path("settings/", views.settings_page, name="settings"),
]

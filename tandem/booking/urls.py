from django.urls import path

from . import day, rebook, views

app_name = "booking"

urlpatterns = [
    path("reviews/<id:review_pk>/", views.review, name="review"),
    path("reviews/<id:review_pk>/book/", views.book, name="book"),
    path("appointments/<id:appointment_pk>/cancel/", views.cancel, name="cancel"),
    path("appointments/<id:appointment_pk>/outcome/", views.outcome, name="outcome"),
    path("settings/", views.settings_page, name="settings"),
    path("rebook/", rebook.rebook, name="rebook"),
    path("day/", day.day, name="day"),
    path("appointments/<id:appointment_pk>/arrived/", day.arrival, name="arrival"),
]

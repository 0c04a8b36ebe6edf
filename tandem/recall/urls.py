from django.urls import path

from . import views, views_person

app_name = "recall"

urlpatterns = [
    path("", views.board, name="board"),
    path("export.csv", views.export, name="export"),
    path("plan/", views.plan, name="plan"),
    path("send/", views.send, name="send"),
    path("summary/", views.summary, name="summary"),
    path("forecast/", views.forecast, name="forecast"),
    path("settings/", views.settings_page, name="settings"),
    path("patients/<id:patient_id>/", views.review, name="review"),
    path("patients/<id:patient_id>/respond/", views.respond, name="respond"),
    path("patients/<id:patient_id>/details/", views_person.person, name="person"),
]

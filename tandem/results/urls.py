from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("reviews/<id:review_pk>/", views.review, name="review"),
]

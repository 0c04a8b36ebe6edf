from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<id:job_id>/", views.detail, name="detail"),
    path("<id:job_id>/progress/", views.progress, name="progress"),
    path("<id:job_id>/status.json", views.status, name="status"),
    path("<id:job_id>/retry/", views.retry, name="retry"),
]

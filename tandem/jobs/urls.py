from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("<int:job_id>/", views.detail, name="detail"),
    path("<int:job_id>/progress/", views.progress, name="progress"),
    path("<int:job_id>/status.json", views.status, name="status"),
    path("<int:job_id>/retry/", views.retry, name="retry"),
]

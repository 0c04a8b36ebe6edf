from django.urls import path

from . import views

app_name = "registers"

urlpatterns = [
    path("", views.index, name="index"),
    path("refresh/", views.refresh, name="refresh"),
    path("worklist/", views.worklist_page, name="worklist"),
    path("tiers/", views.tiers, name="tiers"),
    path("tiers/settings/", views.tier_settings, name="tier_settings"),
    path("cohorts/", views.cohort_list, name="cohorts"),
    path("cohorts/new/", views.cohort_new, name="cohort_new"),
    path("cohorts/preview/", views.cohort_preview, name="cohort_preview"),
    path("cohorts/<id:cohort_id>/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<id:cohort_id>/delete/", views.cohort_delete, name="cohort_delete"),
    path("patients/<id:pk>/", views.patient_tier, name="patient_tier"),
]

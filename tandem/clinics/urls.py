from django.urls import path

from . import views

app_name = "clinics"

urlpatterns = [
    path("", views.week, name="week"),
    path("weekly/", views.patterns, name="patterns"),
    path("weekly/new/", views.pattern_new, name="pattern_new"),
    path("weekly/<id:pattern_id>/", views.pattern, name="pattern"),
    path("weekly/<id:pattern_id>/end/", views.pattern_end, name="pattern_end"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<id:session_id>/", views.session, name="session"),
    path("sessions/<id:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<id:session_id>/hold/", views.session_hold, name="session_hold"),
    path("leave/", views.leave, name="leave"),
    path("leave/<id:leave_id>/remove/", views.leave_remove, name="leave_remove"),
]

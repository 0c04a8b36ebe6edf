"""The person's own Tandem, under /my/. URLs carry no person: everything means "whoever this session
is for" (ADR 16, section 5)."""

from django.urls import path

from .views import pages, sign_in

app_name = "people"

urlpatterns = [
    path("", sign_in.home, name="home"),
    path("sign-in/", sign_in.sign_in, name="sign_in"),
    path("sign-in/callback/", sign_in.callback, name="callback"),
    path("sign-in/refused/<slug:reason>/", sign_in.refused, name="refused"),
    path("sign-out/", sign_in.sign_out, name="sign_out"),
    path("signed-out/", sign_in.signed_out, name="signed_out"),
    *pages.urlpatterns,
]

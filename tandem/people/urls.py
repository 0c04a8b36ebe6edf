"""The person's own Tandem, under /my/. URLs carry no person: everything means "whoever this session
is for" (ADR 16, section 5)."""

from django.urls import path

from tandem.core.ratelimits import limited

from .views import booking, carers, forms, pages, sign_in

app_name = "people"

urlpatterns = [
    path("", sign_in.home, name="home"),
    path("sign-in/", limited(sign_in.sign_in, group="person"), name="sign_in"),
    path("sign-in/callback/", limited(sign_in.callback, group="person"), name="callback"),
    path("sign-in/refused/<slug:reason>/", limited(sign_in.refused, group="person"), name="refused"),
    path("sign-out/", limited(sign_in.sign_out, group="person"), name="sign_out"),
    path("signed-out/", limited(sign_in.signed_out, group="person"), name="signed_out"),
    *pages.urlpatterns,
    *forms.urlpatterns,
    *booking.urlpatterns,
    *carers.urlpatterns,
]

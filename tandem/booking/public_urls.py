"""Booking online on the person's invitation link (/r/<key>/book/...): no account, behind the date of
birth (tandem.booking.public)."""

from django.urls import path

from tandem.core.ratelimits import limit_all

from . import public

app_name = "selfbook"

# Rate limited per address and per link, like every page of the reply link (tandem.core.ratelimits).
urlpatterns = limit_all([
    path("<str:token>/book/", public.tests, name="tests"),
    path("<str:token>/book/conversation/", public.conversation, name="conversation"),
    path("<str:token>/book/check/", public.check, name="check"),
    path("<str:token>/book/booked/", public.done, name="done"),
    path("<str:token>/book/yours/", public.yours, name="yours"),
    path("<str:token>/book/change-tests/", public.change, {"kind": "tests"}, name="change_tests"),
    path("<str:token>/book/change-conversation/", public.change, {"kind": "conversation"},
         name="change_conversation"),
    path("<str:token>/book/cancel-tests/", public.cancel, {"kind": "tests"}, name="cancel_tests"),
    path("<str:token>/book/cancel-conversation/", public.cancel, {"kind": "conversation"},
         name="cancel_conversation"),
    path("<str:token>/book/call-me/", public.call_me, name="call_me"),
])

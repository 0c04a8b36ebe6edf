"""The written plan online on the person's plan link (/r/<key>/plan/): behind the date of birth
(tandem.careplans.public)."""

from django.urls import path

from tandem.core.ratelimits import limit_all

from . import public

app_name = "plan_online"

# Rate limited per address and per link, like every page of the reply link (tandem.core.ratelimits).
urlpatterns = limit_all([
    path("<str:token>/plan/", public.read, name="read"),
    path("<str:token>/plan.pdf", public.pdf, name="pdf"),
])

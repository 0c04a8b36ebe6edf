"""The wider care team, under /care-team/: the practice's pages (a person's care team, additions waiting for
review, the organisations it works with) and the pages of professionals of those organisations (their people,
a person's shared plan, adding to it, referrals to them)."""

from django.urls import include, path

from .views import organisations, practice, provider

app_name = "careteam"

urlpatterns = [
    *provider.urlpatterns,
    *practice.urlpatterns,
    *organisations.urlpatterns,
    path("referrals/", include("tandem.careteam.referral_urls")),
]

"""Referrals to an organisation outside the practice, for its professionals: /care-team/referrals/."""

from django.urls import path

from . import referral_views

urlpatterns = [
    path("", referral_views.referrals, name="referrals"),
    path("<id:referral_id>/", referral_views.referral, name="referral"),
]

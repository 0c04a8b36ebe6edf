"""A person's NHS login account and its link to the patient they are (ADR 16, section 4).

The account is keyed by the provider's `sub` and holds no name, NHS number or email. The link to the
`Patient` row is made again at every sign-in from the verified NHS number (never stored), and is
checked on every request, so a person who leaves the practice loses access at their next request.
Written only through tandem.people.actions.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tandem.core.models import Practice
from tandem.patients.models import Patient

from .rules import Level


class PersonAccount(models.Model):
    issuer = models.CharField(max_length=255)
    sub = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    last_signed_in_at = models.DateTimeField()
    # Raised by "sign out everywhere": every session made before it is no longer recognised.
    session_generation = models.PositiveIntegerField(default=0)
    highest_level_seen = models.CharField(max_length=2, choices=[(v.value, v.value) for v in Level])
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sub"], name="person_account_issuer_sub_unique"),
            models.CheckConstraint(condition=Q(highest_level_seen__in=[v.value for v in Level]),
                                   name="person_account_level_known"),
        ]


class PersonLink(models.Model):
    class EndReason(models.TextChoices):
        LEFT_PRACTICE = "left_practice", "Left the practice"
        RELINKED = "relinked", "Signed in as someone else"
        REPLACED = "replaced", "Another account signed in as this person"
        CLOSED = "closed", "Account closed"

    account = models.ForeignKey(PersonAccount, on_delete=models.PROTECT, related_name="links")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()
    level = models.CharField(max_length=2, choices=[(v.value, v.value) for v in Level])
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=Q(ended_at__isnull=True),
                                    name="person_link_one_open_per_account"),
            models.UniqueConstraint(fields=["patient"], condition=Q(ended_at__isnull=True),
                                    name="person_link_one_open_per_patient"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True, end_reason="")
                                   | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                                   name="person_link_ended_with_reason"),
        ]

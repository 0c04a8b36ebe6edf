"""Who outside the practice is in a person's care team, and what they add to the plan.

A member is an organisation outside the practice (tandem.core.models.Provider) or one of its professionals,
added by the practice with the person's agreement, in a role and with a scope (tandem.careteam.rules).
Their contributions wait for the named clinician, who accepts them into the next plan version (with who
added them kept on each item) or declines them with a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.careplans.models import PlanVersion
from tandem.core.models import Practice, Provider, ProviderStaff
from tandem.patients.models import Patient

from . import rules


class Member(models.Model):
    """One organisation, or one of its professionals, in one person's care team."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="members")
    professional = models.ForeignKey(ProviderStaff, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="members", help_text="empty: the whole team")
    role = models.CharField(max_length=rules.MAX_ROLE, help_text="their part in this person's care")
    # What they may do beyond seeing the shared plan (tandem.careteam.rules.SCOPES): columns of their own, so a
    # read can ask the database "who may see results" in the statement itself (the FHIR API's scoping).
    sees_results = models.BooleanField(default=False)
    adds_to_plan = models.BooleanField(default=False)
    agreed_how = models.CharField(max_length=14, choices=list(rules.AGREED_HOW.items()))
    agreed_on = models.DateField()
    agreed_note = models.CharField(max_length=rules.MAX_NOTE, blank=True)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    end_reason = models.CharField(max_length=rules.MAX_NOTE, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "provider", "professional"], condition=Q(ended_on__isnull=True),
                                    name="careteam_one_member_in_force"),
            models.UniqueConstraint(fields=["patient", "provider"],
                                    condition=Q(ended_on__isnull=True, professional__isnull=True),
                                    name="careteam_one_team_in_force"),
        ]
        indexes = [models.Index(fields=["provider", "ended_on"], name="careteam_member_provider")]

    def __str__(self) -> str:
        return f"Care team member {self.pk}"

    @property
    def scopes(self) -> list[str]:
        """What they may do, as tandem.careteam.rules.SCOPES keys: always the plan, then those chosen."""
        return [rules.PLAN, *([rules.RESULTS] if self.sees_results else []),
                *([rules.CONTRIBUTE] if self.adds_to_plan else [])]


class Contribution(models.Model):
    """Something a member added to the person's plan, waiting for the named clinician's decision."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for review"
        ACCEPTED = "accepted", "Added to the plan"
        DECLINED = "declined", "Not added"
        WITHDRAWN = "withdrawn", "Withdrawn"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="contributions")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="contributions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=300, help_text="'Jo Smith, community matron, Riverside Community "
                                                              "Nursing', as the plan will show it")
    kind = models.CharField(max_length=8, choices=list(rules.KINDS.items()))
    content = models.JSONField()
    based_on = models.PositiveIntegerField(help_text="the plan version they were reading")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    reason = models.CharField(max_length=rules.MAX_NOTE, blank=True, help_text="why it was not added")
    added_in = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(reason=""), name="careteam_declined_has_reason"),
        ]
        indexes = [models.Index(fields=["practice", "status"], name="careteam_contribution_queue")]

    def __str__(self) -> str:
        return f"Contribution {self.pk}"

"""Registers, risk tiers and cohorts, as the practice's refresh leaves them.

RegisterMembership and PatientRisk are materialised: `actions.refresh_practice` replaces a
practice's rows set-based (delete and insert in one transaction). They are derived data, never
edited by hand; the rules live in `tandem.registers.rules`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tandem.core.models import Practice
from tandem.patients.models import Patient

from .rules.risk import FIT, MILD, MODERATE, SEVERE, TIER_LABELS, Thresholds

TIER_CHOICES = list(TIER_LABELS.items())
FRAILTY_CHOICES = [(FIT, "Fit"), (MILD, "Mild frailty"), (MODERATE, "Moderate frailty"), (SEVERE, "Severe frailty")]


class RegisterMembership(models.Model):
    """A patient on one condition's register, since the start of the current episode."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="register_memberships")
    register = models.CharField(max_length=40, help_text="codelist slug, e.g. diabetes_type2")
    since = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "register"], name="one_membership_per_register")]
        indexes = [models.Index(fields=["practice", "register"])]

    def __str__(self) -> str:
        return f"Membership {self.pk}"


class PatientRisk(models.Model):
    """A patient's risk tier, the factors it came from, and why, in words."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="risk")
    tier = models.CharField(max_length=18, choices=TIER_CHOICES)
    reasons = models.JSONField(default=list, help_text="plain-language reasons, most important first")
    drivers = models.JSONField(default=list, help_text="factor keys that placed the patient in this tier")
    flags = models.JSONField(default=list, help_text="factor keys at or above any threshold")
    ltc_count = models.PositiveSmallIntegerField()
    cms = models.FloatField("Cambridge Multimorbidity Score")
    efi = models.FloatField("electronic Frailty Index (deficits/36)")
    efi_deficits = models.JSONField(default=list)
    frailty = models.CharField(max_length=8, blank=True, choices=FRAILTY_CHOICES, help_text="blank under 65")
    regular_medicines = models.PositiveSmallIntegerField()
    emergency_admissions = models.PositiveSmallIntegerField()
    ae_attendances = models.PositiveSmallIntegerField()
    appointments = models.PositiveSmallIntegerField(help_text="attended at the practice in 12 months")
    frequent_attender = models.BooleanField(default=False)
    computed_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["practice", "tier"])]

    def __str__(self) -> str:
        return f"Risk {self.pk}"


class TierSettings(models.Model):
    """The practice's tier thresholds. A factor at or above its threshold places a person in
    that tier; blank means the factor is not used for that tier."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="tier_settings")
    cm_ltc_count = models.PositiveSmallIntegerField(null=True, blank=True)
    cm_cms = models.FloatField(null=True, blank=True)
    cm_frailty = models.CharField(max_length=8, blank=True, choices=FRAILTY_CHOICES[1:])
    cm_emergency_admissions = models.PositiveSmallIntegerField(null=True, blank=True)
    cm_ae_attendances = models.PositiveSmallIntegerField(null=True, blank=True)
    cm_regular_medicines = models.PositiveSmallIntegerField(null=True, blank=True)
    cm_appointments = models.PositiveSmallIntegerField(null=True, blank=True)
    dm_ltc_count = models.PositiveSmallIntegerField(null=True, blank=True)
    dm_cms = models.FloatField(null=True, blank=True)
    dm_frailty = models.CharField(max_length=8, blank=True, choices=FRAILTY_CHOICES[1:])
    dm_emergency_admissions = models.PositiveSmallIntegerField(null=True, blank=True)
    dm_ae_attendances = models.PositiveSmallIntegerField(null=True, blank=True)
    dm_regular_medicines = models.PositiveSmallIntegerField(null=True, blank=True)
    dm_appointments = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Tier settings {self.pk}"

    def thresholds(self) -> Thresholds:
        values = {}
        for name in Thresholds.field_names():
            value = getattr(self, name)
            values[name] = None if value in ("", None) else value
        return Thresholds(**values)


class Cohort(models.Model):
    """A group of patients the practice chooses to start care planning with (see rules.cohorts)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=120)
    definition = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="cohort_name_unique_in_practice"),
            models.CheckConstraint(condition=~Q(name=""), name="cohort_has_a_name"),
        ]

    def __str__(self) -> str:
        return f"Cohort {self.pk}"

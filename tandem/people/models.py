"""A person's NHS login account and its link to the patient they are (ADR 16, section 4).

The account is keyed by the provider's `sub` and holds no name, NHS number or email. The link to the
`Patient` row is made again at every sign-in from the verified NHS number (never stored), and is
checked on every request, so a person who leaves the practice loses access at their next request.
Written only through tandem.people.actions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tandem.core.models import AppendOnly, Practice
from tandem.patients.models import Patient, RelatedPerson

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


class ProxyGrant(models.Model):
    """A carer's or representative's access to a person's Tandem (ADR 16, section 4; DAPB3051).

    Granted by the person from their own pages, or recorded by staff for a person who lacks capacity
    with the basis and its evidence, who decided, and how the carer's identity was checked. The carer
    accepts the invitation by signing in with their own NHS login at P9, whose family name and date of
    birth must match the grant; the carer's NHS number is never stored. Whether a grant is in force is
    decided on every request by `rules.grant_in_force`. Written only through tandem.people.actions.
    """

    class Basis(models.TextChoices):
        CONSENT = "consent", "The person agreed"
        LPA = "lpa_health_welfare", "Lasting power of attorney for health and welfare"
        DEPUTY = "court_deputy", "Court-appointed deputy for personal welfare"
        BEST_INTERESTS = "best_interests", "Best interests decision"

    class IdentityCheck(models.TextChoices):
        NHS_LOGIN = "nhs_login_p9", "NHS login, identity checked with photo ID (P9)"
        PHOTO_ID = "photo_id_seen", "Photo ID seen at the practice"
        VOUCHED = "vouched_by_staff", "Known to and vouched for by staff"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    proxy_account = models.ForeignKey(PersonAccount, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="grants", help_text="the carer's own account, once accepted")
    proxy_given_name = models.CharField(max_length=100)
    proxy_family_name = models.CharField(max_length=100)
    proxy_birth_date = models.DateField()
    proxy_email = models.EmailField(max_length=254)
    relationship = models.CharField(max_length=12, choices=RelatedPerson.Relationship.choices)
    view_plan = models.BooleanField(default=False)
    view_results = models.BooleanField(default=False)
    answer_checkins = models.BooleanField(default=False)
    book = models.BooleanField(default=False)
    starts_on = models.DateField()
    ends_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    basis_detail = models.TextField(max_length=2000, blank=True, help_text="the evidence seen, or the best "
                                    "interests factors considered")
    identity_check = models.CharField(max_length=16, choices=IdentityCheck.choices)
    granted_by_person = models.BooleanField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="the member of staff who recorded it")
    created_at = models.DateTimeField()
    invitation_digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the invitation's token")
    invitation_expires_at = models.DateTimeField()
    invitation_failures = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoked_by_person = models.BooleanField(default=False)
    revoke_reason = models.CharField(max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="ended by the daily task after its end date")
    renewed_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_used_on = models.DateField(null=True, blank=True, help_text="the last day the carer used it")
    review_task_at = models.DateTimeField(null=True, blank=True, help_text="when the practice was given a task "
                                          "to check the access with the person, on its review date")
    warned_at = models.DateTimeField(null=True, blank=True, help_text="when the person and carer were told it ends soon")
    row_version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(view_plan=True) | Q(view_results=True) | Q(answer_checkins=True)
                                   | Q(book=True), name="proxy_grant_some_scope"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="proxy_grant_ends_after_start"),
            models.CheckConstraint(condition=Q(granted_by_person=True, basis="consent", decided_by__isnull=True)
                                   | Q(granted_by_person=False, decided_by__isnull=False),
                                   name="proxy_grant_who_decided"),
        ]
        indexes = [models.Index(fields=["practice", "patient"], name="proxy_grant_patient")]


class ProxyHidden(models.Model):
    """An entry staff marked as not to be shown to carers: a part of the plan (every version), a result,
    a check-in or an appointment. Shown again by ending the row (kept, with who and when)."""

    class What(models.TextChoices):
        PLAN_PART = "plan_part", "Part of the plan"
        OBSERVATION = "observation", "Result"
        CHECKIN = "checkin", "Check-in"
        APPOINTMENT = "appointment", "Appointment"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=12, choices=What.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="the result's, check-in's or "
                                               "appointment's id; none for a part of the plan")
    part = models.CharField(max_length=40, blank=True, help_text="the plan part's key")
    reason = models.CharField(max_length=300, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hidden_at = models.DateTimeField()
    shown_again_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    shown_again_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "part"], condition=Q(shown_again_at__isnull=True, what="plan_part"),
                                    name="proxy_hidden_part_once"),
            models.UniqueConstraint(fields=["patient", "what", "object_id"],
                                    condition=Q(shown_again_at__isnull=True) & ~Q(what="plan_part"),
                                    name="proxy_hidden_entry_once"),
            models.CheckConstraint(condition=Q(what="plan_part", object_id__isnull=True) & ~Q(part="")
                                   | ~Q(what="plan_part") & Q(object_id__isnull=False, part=""),
                                   name="proxy_hidden_names_one_entry"),
        ]


class ProxyActivity(AppendOnly):
    """What a carer did on the person's behalf, for the person to see ("Sarah answered your check-in")."""

    append_only_name = "What carers did"

    grant = models.ForeignKey(ProxyGrant, on_delete=models.PROTECT, related_name="activity")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField()

"""Tenancy (organisation groups and practices), staff, and the audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

from .rules import ROLE_LABELS, Role


class OrganisationGroup(models.Model):
    """A primary care network or an integrated care board: practices grouped for shared views."""

    class Kind(models.TextChoices):
        PCN = "pcn", "Primary care network"
        ICB = "icb", "Integrated care board"

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=3, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    def __str__(self) -> str:
        return self.name


class Practice(models.Model):
    """A GP practice: the tenant. Every patient belongs to exactly one practice."""

    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    group = models.ForeignKey(
        OrganisationGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="practices"
    )
    require_two_factor = models.BooleanField(
        "Require two-factor authentication", default=False,
        help_text="Staff of this practice set up an authenticator app the next time they sign in.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    @property
    def address(self) -> str:
        parts = [self.address_line1, self.address_line2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


class User(AbstractUser):
    """A member of staff. What they may do follows their role in each practice."""

    # Raised by "sign out everywhere": every session signed in before it stops working.
    session_generation = models.PositiveIntegerField(default=0)

    def _get_session_auth_hash(self, secret=None):
        """Django's check that a session still belongs to this user, which already ends every session
        when the password changes; here it also ends them when the session generation is raised.
        Generation 0 keeps Django's own hash, so sessions made before this field existed carry on."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac("tandem.core.User.session_auth_hash", f"{self.password}:{self.session_generation}",
                           secret=secret, algorithm="sha256").hexdigest()

    def roles_in(self, practice: Practice) -> frozenset[Role]:
        return frozenset(
            Role(r) for r in self.memberships.filter(practice=practice).values_list("role", flat=True)
        )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        """The memberships in force: not ended by the person leaving the practice."""
        return self.filter(left_on__isnull=True)


class ActiveMemberships(models.Manager.from_queryset(MembershipQuerySet)):
    """The default manager, and so also `user.memberships` and `practice.memberships`: only the memberships
    in force. Someone who has left a practice has no role there wherever roles are read; their rows stay
    (`Membership.with_left`), so what they did stays theirs."""

    def get_queryset(self):
        return super().get_queryset().active()


class Membership(models.Model):
    """A user's role in one practice. Leaving the practice ends it (`left_on`); returning reopens it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    # Leaving the practice (tandem.team.actions): the row is kept, with who recorded it and when.
    left_on = models.DateField(null=True, blank=True)
    left_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Raised by every change made on the team pages, so two managers never silently overwrite each other.
    version = models.PositiveIntegerField(default=1)

    objects = ActiveMemberships()
    with_left = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="one_role_per_practice"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} at {self.practice_id}"


class GroupLead(models.Model):
    """Someone who leads care planning across a primary care network or an integrated care board: they
    see the group's practices side by side (counts and rates only, never a person), whatever their role,
    or none, in any one practice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_leads")
    group = models.ForeignKey(OrganisationGroup, on_delete=models.CASCADE, related_name="leads")
    since = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="one_lead_row_per_group")]

    def __str__(self) -> str:
        return f"{self.user_id} leads {self.group_id}"


class Provider(models.Model):
    """An organisation outside the practice that cares for some of its people: community nursing and therapy,
    a hospital specialty, social care, the voluntary sector, social prescribing link workers.

    Each practice keeps its own list (as it keeps its local services directory): a provider's staff see
    only people of the practice that added them, and only those whose care team they are in
    (tandem.careteam). The same community team working with three practices is three rows, one per
    practice, with the same ODS code."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", "Community nursing and therapy"
        HOSPITAL = "hospital", "Hospital specialty"
        SOCIAL_CARE = "social_care", "Social care"
        VOLUNTARY = "voluntary", "Voluntary sector"
        SOCIAL_PRESCRIBING = "social_prescribing", "Social prescribing"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="providers")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ods_code = models.CharField("ODS code", max_length=10, blank=True,
                                help_text="its Organisation Data Service code, where it has one")
    service = models.CharField(max_length=300, blank=True, help_text="what it does, in a sentence")
    email = models.EmailField(max_length=254, blank=True,
                              help_text="its secure email address for referrals (for one that does not use Tandem)")
    phone = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=300, blank=True, help_text="for referral letters")
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="one_provider_name_per_practice"),
            models.UniqueConstraint(fields=["practice", "ods_code"], condition=~models.Q(ods_code=""),
                                    name="one_provider_ods_per_practice"),
        ]

    def __str__(self) -> str:
        return f"Provider {self.pk}"


class ProviderStaff(models.Model):
    """A professional of a provider: a user of Tandem who works for that organisation, with their job
    ("Community matron"). Leaving ends it (`left_on`); the row stays, so what they did stays theirs."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="provider_roles")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="staff")
    job = models.CharField(max_length=80, help_text="e.g. Community matron, Social worker")
    since = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    left_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="one_row_per_provider_staff")]

    def __str__(self) -> str:
        return f"{self.user_id} at provider {self.provider_id}"


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes; the model names itself in `append_only_name`."""

    def update(self, **kwargs):
        raise PermissionError(f"{self.model.append_only_name} is append-only: rows cannot be updated.")

    def delete(self):
        raise PermissionError(f"{self.model.append_only_name} is append-only: rows cannot be deleted.")


class AppendOnly(models.Model):
    """A model whose rows, once written, are never changed or deleted (history, audit)."""

    append_only_name = "This history"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{self.append_only_name} is append-only: rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self.append_only_name} is append-only: rows cannot be deleted.")


class AuditEvent(AppendOnly):
    """Who viewed or changed which patient's data, and when. Append-only.

    `detail` holds only non-identifying facts (counts, field names, resource types),
    never names, NHS numbers or free text.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        IMPORT = "import", "Imported"
        EXPORT = "export", "Exported"
        SEARCH = "search", "Searched"

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    practice = models.ForeignKey(Practice, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    what = models.CharField(max_length=60, help_text="e.g. patient.summary, condition, fhir.bundle")
    patient_id = models.BigIntegerField(null=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    append_only_name = "The audit log"

    class Meta:
        ordering = ["-at", "-id"]
        # (practice, what, at): "when was this last done" (the latest register refresh, recall plan)
        # without walking past every recent page view.
        indexes = [models.Index(fields=["practice", "at"]), models.Index(fields=["practice", "what", "at"])]

"""Reads for the wider care team, always scoped: a practice's own people and providers, or, for a professional
of a provider, only the people whose care team they are in (as themselves, or as their whole team)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.core import audit
from tandem.core.models import AuditEvent, Practice, Provider, ProviderStaff, User
from tandem.patients.models import Patient, RegistrationStatus

from .models import Contribution, Member


def roles_of(user: User) -> list[ProviderStaff]:
    """The user's jobs at providers in force (their organisation and its practice read with them)."""
    return list(ProviderStaff.objects.filter(user=user, left_on__isnull=True, provider__active=True)
                .select_related("provider", "provider__practice").order_by("provider__name", "pk"))


def _in_force() -> Q:
    """In force: not ended, the organisation still on the practice's list, the person still registered there
    (someone who has left the practice, or died, is no longer shown to their care team)."""
    return Q(ended_on__isnull=True, provider__active=True, patient__registration_status=RegistrationStatus.REGISTERED)


def _including(professionals, providers) -> Q:
    """THE rule of who a membership includes: the professional it names, or, for a whole team, everyone at the
    organisation (`professionals`, `providers`: ProviderStaff and Provider ids, as lists or subqueries)."""
    return Q(professional_id__in=professionals) | Q(professional__isnull=True, provider_id__in=providers)


def memberships_of(user: User, roles: list[ProviderStaff] | None = None) -> QuerySet[Member]:
    """The care team memberships in force that include the user: as themselves, or as their whole team."""
    roles = roles_of(user) if roles is None else roles
    if not roles:
        return Member.objects.none()
    return Member.objects.filter(_in_force(), _including([r.pk for r in roles], [r.provider_id for r in roles]))


def visible_patient_ids(user: User, *, results: bool = False) -> QuerySet:
    """Ids of the people whose care team the user is in now, as a subquery (no query of its own): the FHIR API
    joins it into each read. `results`: only those whose results they may see."""
    staff = ProviderStaff.objects.filter(user_id=user.pk, left_on__isnull=True, provider__active=True)
    rows = Member.objects.filter(_in_force(), _including(staff.values("pk"), staff.values("provider_id")))
    if results:
        rows = rows.filter(sees_results=True)
    return rows.values("patient_id")


def provider_ids(user: User) -> QuerySet:
    """Ids of the organisations the user works for now, as a subquery (referrals to them are theirs to see)."""
    return ProviderStaff.objects.filter(user_id=user.pk, left_on__isnull=True, provider__active=True).values(
        "provider_id")


def member_for(user: User, patient_id: int, roles: list[ProviderStaff] | None = None) -> Member:
    """The user's way into this person's care team (their own membership before their team's), or 404: a
    person whose care team they are not in is, to them, not there."""
    found = list(memberships_of(user, roles).filter(patient_id=patient_id).select_related("patient", "patient__practice", "provider", "professional",
                                      "professional__user").order_by("professional_id"))
    member = next((m for m in found if m.professional_id is not None), found[0] if found else None)
    if member is None or member.provider.practice_id != member.patient.practice_id:
        raise Http404("No such person in your care teams.")
    return member


def people_for(user: User, roles: list[ProviderStaff] | None = None) -> list[Member]:
    """Each person whose care team the user is in, once (their own membership before their team's), by name."""
    rows = (memberships_of(user, roles).select_related("patient", "provider", "professional")
            .order_by("patient__family_name", "patient__given_name", "patient_id", "professional_id"))
    seen: dict[int, Member] = {}
    for member in rows:
        if member.provider.practice_id == member.patient.practice_id:
            seen.setdefault(member.patient_id, member)
    return list(seen.values())


def members_of(patient: Patient, *, with_ended: bool = False) -> list[Member]:
    """A person's care team outside the practice, the newest first (ended ones too if asked)."""
    rows = Member.objects.filter(patient=patient).select_related("provider", "professional", "professional__user",
                                                                 "added_by", "ended_by")
    if not with_ended:
        rows = rows.filter(ended_on__isnull=True)
    return list(rows.order_by("ended_on", "-added_at", "-pk"))


def member_of(practice: Practice, patient: Patient, pk: int) -> Member:
    member = Member.objects.filter(practice=practice, patient=patient, pk=pk).select_related(
        "provider", "professional", "professional__user").first()
    if member is None:
        raise Http404("No such care team member.")
    return member


def providers(practice: Practice, *, active_only: bool = True) -> list[Provider]:
    rows = Provider.objects.filter(practice=practice)
    if active_only:
        rows = rows.filter(active=True)
    return list(rows.order_by("name", "pk"))


def provider_of(practice: Practice, pk: int) -> Provider:
    provider = Provider.objects.filter(practice=practice, pk=pk).first()
    if provider is None:
        raise Http404("No such organisation.")
    return provider


def staff_of(provider: Provider, *, with_left: bool = False) -> list[ProviderStaff]:
    rows = ProviderStaff.objects.filter(provider=provider).select_related("user")
    if not with_left:
        rows = rows.filter(left_on__isnull=True)
    return list(rows.order_by("left_on", "user__last_name", "user__first_name", "pk"))


def contributions_of(patient: Patient, *, status: str | None = None) -> list[Contribution]:
    rows = Contribution.objects.filter(patient=patient).select_related("member", "member__provider", "author",
                                                                       "decided_by", "added_in")
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-created_at", "-pk"))


def waiting(practice: Practice) -> list[Contribution]:
    """Every contribution waiting for review at the practice, the oldest first."""
    return list(Contribution.objects.filter(practice=practice, status=Contribution.Status.WAITING)
                .select_related("patient", "member__provider", "author").order_by("created_at", "pk"))


def read(*, by: User, member: Member, what: str, object_id: str | int = "", detail: dict | None = None) -> None:
    """Audit a care team member's read of a person's record."""
    audit.record(by=by, practice=member.patient.practice, action=AuditEvent.Action.VIEW, what=what,
                 patient_id=member.patient_id, object_id=object_id,
                 detail={"provider": member.provider_id, **(detail or {})})


def outside_team(practice_id: int, patient_id: int) -> list:
    """The person's care team outside the practice now, for the plan's FHIR document (tandem.careplans.hooks)."""
    from tandem.careplans.fhir.common import OutsideMember, OutsideOrganisation

    kinds = dict(Provider.Kind.choices)
    rows = (Member.objects.filter(practice_id=practice_id, patient_id=patient_id, ended_on__isnull=True,
                                  provider__active=True)
            .select_related("provider", "professional", "professional__user").order_by("added_at", "pk"))
    return [OutsideMember(
        organisation=OutsideOrganisation(key=m.provider_id, name=m.provider.name, ods_code=m.provider.ods_code,
                                         kind_label=str(kinds.get(m.provider.kind, "")), phone=m.provider.phone,
                                         email=m.provider.email),
        role=m.role, since=m.agreed_on, professional_key=m.professional.user_id if m.professional else None,
        professional=m.professional.user.display_name if m.professional else "",
        job=m.professional.job if m.professional else "") for m in rows]

"""The wider care team as the pages show it: plain, already-decided values for templates."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from tandem.core.models import Provider
from tandem.jinja2env.filters import date_format

from . import rules
from .models import Contribution, Member

STATUS_COLOURS = {Contribution.Status.WAITING: "blue", Contribution.Status.ACCEPTED: "green",
                  Contribution.Status.DECLINED: "orange", Contribution.Status.WITHDRAWN: "grey"}


@dataclass(frozen=True)
class MemberCard:
    pk: int
    version: int
    who: str  # "Jo Smith, community matron" or "The whole team"
    organisation: str
    kind: str
    phone: str
    email: str
    role: str
    scopes: tuple[str, ...]
    agreed: str
    added: str
    ended: str
    end_reason: str
    in_force: bool
    since: str  # the day they joined the care team, as a person reads it


def who_of(member: Member) -> str:
    if member.professional is None:
        return "The whole team"
    staff = member.professional
    return rules.author_label(name=staff.user.display_name, job=staff.job, organisation="")


def member_card(member: Member) -> MemberCard:
    provider = member.provider
    agreed = f"{rules.AGREED_HOW.get(member.agreed_how, '')}, {date_format(member.agreed_on)}"
    if member.agreed_note:
        agreed += f" ({member.agreed_note})"
    added = date_format(timezone.localtime(member.added_at).date())
    if member.added_by is not None:
        added += f" by {member.added_by.display_name}"
    ended = ""
    if member.ended_on is not None:
        ended = date_format(member.ended_on) + (f" by {member.ended_by.display_name}" if member.ended_by else "")
    return MemberCard(pk=member.pk, version=member.version, who=who_of(member), organisation=provider.name,
                      kind=Provider.Kind(provider.kind).label, phone=provider.phone, email=provider.email,
                      role=member.role, scopes=tuple(rules.SCOPES[s] for s in member.scopes),
                      agreed=agreed, added=added, ended=ended, end_reason=member.end_reason,
                      in_force=member.ended_on is None, since=date_format(timezone.localtime(member.added_at).date()))


@dataclass(frozen=True)
class ContributionCard:
    pk: int
    version: int
    kind: str
    author: str
    made: str
    rows: tuple[tuple[str, str], ...]
    status: str
    status_label: str
    colour: str
    decided: str
    reason: str
    added_in: int | None


def contribution_card(c: Contribution, *, goals: dict[str, str]) -> ContributionCard:
    decided = ""
    if c.decided_at is not None:
        decided = date_format(timezone.localtime(c.decided_at).date()) + (f" by {c.decided_by.display_name}" if c.decided_by else "")
    rows = tuple((k, v) for k, v in rules.summary(c.kind, c.content, goals=goals) if v)
    return ContributionCard(pk=c.pk, version=c.version, kind=rules.KINDS.get(c.kind, c.kind), author=c.author_label,
                            made=date_format(timezone.localtime(c.created_at).date()), rows=rows, status=c.status,
                            status_label=Contribution.Status(c.status).label, colour=STATUS_COLOURS[c.status],
                            decided=decided, reason=c.reason,
                            added_in=c.added_in.version if c.added_in_id and c.added_in else None)


def review_link(task) -> tuple[str, str]:
    """Where the named clinician's task to review an addition is done: the person's care team page."""
    from django.urls import reverse

    return (reverse("careteam:person", args=[task.patient_id]) + "#waiting",
            "Review the addition on their care team page")

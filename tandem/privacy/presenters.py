"""A person's data, shaped for the readable copy (the PDF of a subject access request): sections of
plain tables, in words a person understands, with codes kept where they are the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tandem.careplans.models import PlanVersion
from tandem.core.rules import ROLE_LABELS, Role
from tandem.messaging import link_actions
from tandem.terminology import observations

from .queries import Held

NOT_RECORDED = "Not recorded"
WHAT_WORDS = (  # audit `what` prefixes, most specific first
    ("privacy.", "A copy of your data"), ("patient.search", "A search that found you"),
    ("patient", "Your details and record summary"), ("condition", "Your conditions"),
    ("observation", "Your results"), ("medication", "Your medicines"), ("personal_target", "Your targets"),
    ("reasonable_adjustment", "Changes we make for you"), ("related_person", "People close to you"),
    ("careplans.", "Your care plan"), ("recall.", "Your annual review"), ("registers.", "Your long-term conditions"),
    ("prepare.agenda", "Your reply before the appointment"), ("prepare.pack", "Your results pack"),
    ("prepare.", "Your appointment"), ("message", "Messages to you"), ("fhir.", "Records brought in"),
    ("synth.", "Records brought in"),
)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    empty: str = "Nothing held."
    intro: str = ""


@dataclass
class Version:
    number: int
    saved: str
    html_plan: object | None = None  # rules.wording.Written, laid out by the care plan's own template


@dataclass
class Message:
    heading: str
    status: str
    words: str


@dataclass
class Copy:
    name: str
    nhs_number: str
    made_on: dt.date
    about: list[tuple[str, str]]
    tables: list[Table] = field(default_factory=list)
    plans: list[Version] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    audit: Table | None = None


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def _number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return ""
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"


def _role(roles: dict[int, str], user_id: int | None) -> str:
    role = roles.get(user_id or 0, "")
    return ROLE_LABELS.get(Role(role), "") if role in {r.value for r in Role} else ""


def _who(user, roles: dict[int, str]) -> str:
    if user is None:
        return "Tandem (automatic)"
    role = _role(roles, user.pk)
    return f"{user.display_name}, {role}" if role else user.display_name


def what_words(what: str) -> str:
    return next((words for prefix, words in WHAT_WORDS if what.startswith(prefix)), what)


def about(held: Held) -> list[tuple[str, str]]:
    p = held.patient
    address = ", ".join(x for x in (p.address_line1, p.address_line2, p.town, p.postcode) if x)
    return [
        ("Name", f"{p.given_name} {p.family_name}".strip()), ("NHS number", p.nhs_number_display),
        ("Date of birth", day(p.date_of_birth)), ("Sex", p.get_sex_display()),
        ("Address", address or NOT_RECORDED), ("Phone", p.phone or NOT_RECORDED),
        ("Mobile", p.mobile or NOT_RECORDED), ("Email", p.email or NOT_RECORDED),
        ("How you like us to contact you", p.get_preferred_channel_display()),
        ("Language", p.preferred_language or NOT_RECORDED),
        ("Registered", f"{p.get_registration_status_display()}"
                       + (f" since {day(p.registered_on)}" if p.registered_on else "")),
        ("Named clinician", p.named_clinician.display_name if p.named_clinician else NOT_RECORDED),
        ("Results before your review", "Not recorded" if held.pack_preference is None else
         ("Yes" if held.pack_preference.results_in_advance else "No")),
    ]


def _result_value(row) -> str:
    concept = observations.BY_KEY.get(row.concept)
    if row.value is not None:
        decimals = concept.decimals if concept else 1
        unit = row.unit or (concept.unit if concept else "")
        return f"{_number(row.value, decimals)} {unit}".strip()
    return observations.CODED_LABELS.get(row.concept, {}).get(row.value_code, row.value_code)


def result_name(row) -> str:
    concept = observations.BY_KEY.get(row.concept)
    return concept.name if concept else (row.concept or row.code)


def tables(held: Held) -> list[Table]:
    r = held.roles
    return [
        Table("Changes we make for you", ["What", "Details"],
              [[a.get_kind_display(), a.detail] for a in held.adjustments]),
        Table("People close to you", ["Name", "Relationship", "Carer", "Next of kin", "May act for you", "Phone"],
              [[x.name, x.get_relationship_display(), "Yes" if x.is_carer else "No",
                "Yes" if x.is_next_of_kin else "No", "Yes" if x.has_proxy_access else "No", x.phone]
               for x in held.related]),
        Table("Conditions", ["Condition", "SNOMED CT code", "From", "Resolved"],
              [[c.term, c.code, day(c.onset_date), day(c.resolved_date)] for c in held.conditions]),
        Table("Results and measurements", ["Date", "What", "Result"],
              [[day(o.effective_date), result_name(o), _result_value(o)] for o in held.observations]),
        Table("Medicines", ["Medicine", "Dose", "Status", "From", "To"],
              [[m.name, m.dose, m.get_status_display(), day(m.start_date), day(m.end_date)]
               for m in held.medications]),
        Table("Appointments", ["Date", "Kind", "Outcome", "Reason"],
              [[day(e.date), e.get_kind_display(), e.get_status_display(), e.reason] for e in held.encounters]),
        Table("Hospital", ["From", "To", "What", "Reason"],
              [[day(h.start_date), day(h.end_date), h.get_kind_display(), h.reason] for h in held.hospital]),
        Table("Your own targets", ["Measurement", "Target", "Agreed on", "Agreed with", "Ended"],
              [[result_name(t), _target(t), day(t.agreed_on), _who(t.agreed_by, r) if t.agreed_by else "",
                day(t.ended_on)] for t in held.targets]),
        Table("Annual reviews", ["Year", "Due", "Status", "Tests booked for"],
              [[f"{v.review_year} to {v.review_year + 1}", f"{v.due_month:%B %Y}", v.get_status_display(),
                day(v.booked_for)] for v in held.reviews]),
        Table("What happened in your reviews", ["Date", "What happened", "Review year"],
              [[day(e.on), e.get_kind_display(), str(e.review.review_year)] for e in held.review_events]),
        Table("Invitations to your review", ["Sent", "Reminder", "How"],
              [[day(i.sent_on), "First invitation" if i.stage == 1 else f"Reminder {i.stage - 1}", i.channel]
               for i in held.invitations]),
        Table("Reasons a review was not needed", ["From", "Reason", "Ended"],
              [[day(x.on), x.get_reason_display(), day(x.lifted_on)] for x in held.exceptions]),
        Table("Care planning conversations", ["When", "With", "How", "Where", "Status"],
              [[day(c.starts_at), _who(c.clinician, r) if c.clinician else "", c.get_how_display(), c.place,
                c.get_state_display()] for c in held.conversations]),
        Table("Results packs sent to you", ["Sent", "How", "Format", "With results"],
              [[day(p.sent_on), p.channel, p.variant.replace("_", " "), "Yes" if p.with_results else "No"]
               for p in held.packs]),
        Table("Your replies before appointments", ["Received", "From", "How", "What matters to you", "Questions",
                                                    "Anything else"],
              [[day(a.submitted_at), a.get_from_who_display(), a.get_via_display(), a.what_matters, a.questions,
                a.anything_else] for a in held.replies]),
        Table("Things the care team agreed to do", ["Made", "What", "For", "Due", "Status"],
              [[day(t.created_at), t.what, t.to_user.display_name if t.to_user else t.to_role, day(t.due_on),
                t.get_status_display()] for t in held.tasks]),
        Table("What happened with each task", ["Date", "Task", "What happened", "By", "Note"],
              [[day(e.at), e.task.what, e.get_kind_display(), _who(e.by, r) if e.by else "", e.note]
               for e in held.task_events]),
        Table("Your check-ins between visits", ["Sent", "How", "Status", "Your answers"],
              [[day(c.opened_on), c.get_channel_display(), c.get_status_display(), _checkin_answers(c)]
               for c in held.checkins]),
        Table("Copies of your care plan given to you", ["Date", "Version", "How"],
              [[day(c.on), str(c.version.version), c.get_how_display()] for c in held.copies]),
    ]


def _checkin_answers(c) -> str:
    answer = getattr(c, "answer", None) if c.status == "answered" else None
    if answer is None:
        return ""
    parts = []
    if answer.confidence is not None:
        parts.append(f"confidence {answer.confidence} out of 10")
    parts += [f"{key.replace('_', ' ')} {value}" for key, value in answer.readings.items()]
    if answer.phq2 is not None:
        parts.append(f"mood score {answer.phq2} out of 6")
    if answer.not_coping:
        parts.append("not coping")
    if answer.talk_about:
        parts.append(f"to talk about: {answer.talk_about}")
    return "; ".join(parts)


def _target(t) -> str:
    concept = observations.BY_KEY.get(t.concept)
    unit = concept.unit if concept else ""
    decimals = concept.decimals if concept else 1
    parts = []
    if t.lower is not None:
        parts.append(f"{_number(t.lower, decimals)} {unit} or higher".replace("  ", " "))
    if t.upper is not None:
        parts.append(f"{_number(t.upper, decimals)} {unit} or lower".replace("  ", " "))
    return " and ".join(parts)


def audit_table(held: Held) -> Table:
    """Who has looked at or changed the record: one row per person, part of the record and day."""
    grouped: dict[tuple, int] = {}
    for event in held.audit:
        key = (day(event.at), _who(event.user, held.roles), what_words(event.what), event.get_action_display())
        grouped[key] = grouped.get(key, 0) + 1
    return Table("Who has looked at or changed your record", ["Date", "Who", "What", "Action", "Times"],
                 [[*key, str(count)] for key, count in grouped.items()],
                 intro="Every time someone at the practice opens or changes your record, Tandem notes who, "
                       "when and which part. Newest first.")


def messages(held: Held) -> list[Message]:
    """Each message as it was sent (its words in full), oldest first."""
    return [Message(heading=" – ".join(x for x in (day(m.created_at), m.get_channel_display(), m.subject) if x),
                    status=m.get_state_display(),
                    words=link_actions.for_staff(m.body, practice_id=held.patient.practice_id))
            for m in held.messages]


def plan_versions(versions: list[PlanVersion], written_of) -> list[Version]:
    return [Version(number=v.version, saved=f"{day(v.created_at)}"
                    + (f" by {v.created_by.display_name}" if v.created_by else ""), html_plan=written_of(v))
            for v in versions]


def copy_of(held: Held, *, made_on: dt.date, written_of) -> Copy:
    return Copy(name=f"{held.patient.given_name} {held.patient.family_name}".strip(),
                nhs_number=held.patient.nhs_number_display, made_on=made_on, about=about(held),
                tables=tables(held), plans=plan_versions(held.versions, written_of), messages=messages(held),
                audit=audit_table(held))



@dataclass
class CopyRow:
    asked: str
    state: str
    detail: str
    download_url: str = ""


def copies(rows, *, patient_id: int) -> list[CopyRow]:
    """The copies asked for one person, for the manager's page."""
    keep = dt.timedelta(days=int(settings.TANDEM_SUBJECT_ACCESS_KEEP_DAYS))
    out = []
    newest = next((row for row in rows if row.made_at is not None), None)
    for row in rows:
        asked = day(row.requested_at) + (f" by {row.requested_by.display_name}" if row.requested_by else "")
        if row.removed_at is not None:
            out.append(CopyRow(asked, "Removed", f"Kept until {day(row.removed_at)}"))
        elif row.made_at is not None and row is not newest:
            out.append(CopyRow(asked, "Replaced", "A newer copy was made"))
        elif row.made_at is not None:
            out.append(CopyRow(asked, "Ready", f"{row.pages} pages, {max(1, row.size // 1024):,} KB; "
                                               f"kept until {day(row.made_at + keep)}",
                               reverse("privacy:download", args=[patient_id])))
        elif row.job is not None and row.job.state == "failed":
            out.append(CopyRow(asked, "Not made", row.job.error or "It could not be made: ask for it again."))
        else:
            out.append(CopyRow(asked, "Being made", ""))
    return out

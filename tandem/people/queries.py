"""What the person's own pages read: always this person's rows at this practice, from `request.person`.

Every function takes the `viewer` (`request.person`, a people.session.Person: `.account_id`, `.patient`,
`.practice`, `.level`, `.grant`) and filters on both its patient and its practice, never on the practice alone, so nothing
here can return another person's rows however it is called. Object numbers from the URL (a plan
version's number, a measure's key) are looked up inside that filter: another person's is simply not
found (404). Each page's read is audited as the person's (`read`: no member of staff, the account).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone

from tandem.booking.models import Appointment
from tandem.careplans import hooks as plan_hooks
from tandem.careplans.models import PlanVersion
from tandem.checkins.models import CheckIn
from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.patients import facts as record_facts
from tandem.patients.models import Observation, Patient
from tandem.patients.queries import personal_targets
from tandem.patients.rules import Target
from tandem.prepare.models import Conversation, PackPreference
from tandem.prepare.queries.packs import CONCEPTS, FRESH_DAYS

from .models import ProxyActivity, ProxyGrant, ProxyHidden

HISTORY_YEARS = 10  # the person's own results page shows up to ten years of each measure


def who(viewer) -> dict:
    """What an audit row of the person's says about who read: their account, and a carer's grant."""
    grant = getattr(viewer, "grant", None)
    return {"account": viewer.account_id, "grant": grant.pk if grant is not None else None}


def read(viewer, *, what: str, object_id: str | int = "", detail: dict | None = None,
         action: str = AuditEvent.Action.VIEW) -> None:
    """One audit row for a page the person (or their carer) read: by no member of staff, with the account."""
    audit.record(by=None, practice=viewer.practice, action=action, what=what, patient_id=viewer.patient.pk,
                 object_id=object_id, detail={**who(viewer), **(detail or {})})


def _mine(viewer) -> dict:
    return {"practice_id": viewer.practice.pk, "patient_id": viewer.patient.pk}


# --- The plan ------------------------------------------------------------------------------------

def plan_versions(viewer):
    """This person's plan versions here, newest first (with what the written plan needs)."""
    return (PlanVersion.objects.filter(**_mine(viewer)).order_by("-version")
            .select_related("plan", "conversation__clinician", "created_by"))


def current_version(viewer) -> PlanVersion | None:
    return plan_versions(viewer).first()


def version(viewer, number: int) -> PlanVersion:
    """This person's version `number`; 404 for a number they have no version with."""
    found = plan_versions(viewer).filter(version=number).first()
    if found is None:
        raise Http404("No such version of your plan.")
    return found


def version_numbers(viewer) -> list[tuple[int, dt.datetime, str]]:
    """(number, saved at, what changed) of every version, newest first: for the list of earlier versions."""
    return list(PlanVersion.objects.filter(**_mine(viewer)).order_by("-version")
                .values_list("version", "created_at", "note"))


def patient(viewer) -> Patient:
    """The person's own row, with their named clinician, read again (the session's copy may be stale)."""
    return Patient.objects.select_related("named_clinician").get(pk=viewer.patient.pk, practice_id=viewer.practice.pk)


# --- Results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Results:
    readings: dict[str, list[tuple[dt.date, float]]]  # concept -> (day, value), any order
    personal: dict[str, Target]
    registers: tuple[str, ...]
    frailty: str | None
    age_on: dt.date
    withheld_from: dt.date | None = None  # results from this day are not shown yet (their choice)
    withheld_until: dt.datetime | None = None  # the conversation they are kept for


def results(viewer, *, today: dt.date | None = None) -> Results:
    """The person's measurements (the ones a pack shows, the last ten years), their own targets, and
    their registers and frailty on `today` (what decides the targets that apply to them). When they
    chose not to see results before their review and one is booked, the results taken for it are
    left out until it has been held (`withheld_from`)."""
    today = today or clock.today()
    mine = _mine(viewer)
    since = today - dt.timedelta(days=365 * HISTORY_YEARS)
    readings: dict[str, list[tuple[dt.date, float]]] = {}
    rows = Observation.objects.filter(**mine, concept__in=CONCEPTS, effective_date__gte=since, value__isnull=False)
    not_shown = hidden(viewer).of(ProxyHidden.What.OBSERVATION)
    if not_shown:
        rows = rows.exclude(pk__in=not_shown)
    for concept, on, value in rows.values_list("concept", "effective_date", "value"):
        readings.setdefault(concept, []).append((on, value))
    facts = record_facts.for_patient(viewer.practice, viewer.patient.pk, today=today)
    withheld_from, until = _withheld(viewer)
    return Results(readings=readings, personal=personal_targets(viewer.practice, [viewer.patient.pk]).get(
        viewer.patient.pk, {}), registers=tuple(sorted(facts.registers)), frailty=facts.frailty, age_on=today,
        withheld_from=withheld_from, withheld_until=until)


def wants_results_in_advance(viewer) -> bool:
    """Their recorded choice (tandem.prepare's PackPreference); yes unless they said no."""
    wanted = PackPreference.objects.filter(**_mine(viewer)).values_list("results_in_advance", flat=True).first()
    return wanted is None or wanted


def _withheld(viewer) -> tuple[dt.date | None, dt.datetime | None]:
    """(first day withheld, the conversation's start) while a review is booked and the person chose not to
    see its results before it; (None, None) otherwise. The results kept for the review are those from its
    tests appointment (else from FRESH_DAYS before it), as the pack counts them fresh."""
    if wants_results_in_advance(viewer):
        return None, None
    talk = (Conversation.objects.filter(**_mine(viewer), state=Conversation.State.BOOKED, starts_at__gte=clock.now())
            .select_related("review").order_by("starts_at").first())
    if talk is None:
        return None, None
    day = timezone.localtime(talk.starts_at).date()
    fallback = day - dt.timedelta(days=FRESH_DAYS)
    tests_on = talk.review.booked_for
    return (tests_on if tests_on and fallback <= tests_on <= day else fallback), talk.starts_at


# --- Appointments --------------------------------------------------------------------------------

def appointments(viewer, *, today: dt.date | None = None) -> tuple[list[Appointment], list[Conversation]]:
    """Their booked appointments from today, soonest first, and their booked care planning
    conversations that no booked appointment stands for."""
    today = today or clock.today()
    booked = list(Appointment.objects.filter(**_mine(viewer), state=Appointment.State.BOOKED, day__gte=today)
                  .exclude(pk__in=hidden(viewer).of(ProxyHidden.What.APPOINTMENT))
                  .select_related("staff", "session").order_by("day", "start_time"))
    covered = {a.conversation_id for a in booked if a.conversation_id}
    talks = [t for t in Conversation.objects.filter(**_mine(viewer), state=Conversation.State.BOOKED,
                                                    starts_at__date__gte=today)
             .select_related("clinician", "practice").order_by("starts_at") if t.pk not in covered]
    return booked, talks


# --- Check-ins -----------------------------------------------------------------------------------

def checkins(viewer) -> list[CheckIn]:
    """Their check-ins, newest first (any status), with their answers."""
    return list(CheckIn.objects.filter(**_mine(viewer)).exclude(pk__in=hidden(viewer).of(ProxyHidden.What.CHECKIN))
                .select_related("answer").order_by("-opened_on", "-pk"))


def next_checkin_on(viewer) -> dt.date | None:
    from tandem.checkins.models import Schedule

    return Schedule.objects.filter(**_mine(viewer)).values_list("next_on", flat=True).first()


# --- Goals ---------------------------------------------------------------------------------------

def goal_ratings(viewer) -> dict[str, list[plan_hooks.Rated]]:
    """How each goal has gone, oldest first, from check-ins and reviews (careplans.hooks.progress)."""
    return plan_hooks.progress(viewer.practice.pk, viewer.patient.pk)


# --- Carers ----------------------------------------------------------------------------------------

def grants(viewer) -> list[ProxyGrant]:
    """Everyone given access to this person's Tandem, newest first (any state)."""
    return list(ProxyGrant.objects.filter(**_mine(viewer)).order_by("-created_at", "-pk"))


def carer_activity(viewer, *, limit: int = 50) -> list[ProxyActivity]:
    """What carers did for this person, newest first."""
    return list(ProxyActivity.objects.filter(**_mine(viewer)).select_related("grant").order_by("-at", "-pk")[:limit])


@dataclass(frozen=True)
class Hidden:
    """What staff hid from carers for this person: plan parts by key, and entries by kind and id. Empty
    for the person themselves: they always see everything."""

    plan_parts: frozenset[str] = frozenset()
    ids: dict[str, frozenset[int]] = field(default_factory=dict)

    def of(self, what: str) -> frozenset[int]:
        return self.ids.get(what, frozenset())


def hidden(viewer) -> Hidden:
    """For a carer: the entries hidden from carers (one query). For the person: nothing."""
    if getattr(viewer, "grant", None) is None:
        return Hidden()
    parts: set[str] = set()
    ids: dict[str, set[int]] = {}
    for what, object_id, part in (ProxyHidden.objects.filter(**_mine(viewer), shown_again_at__isnull=True)
                                  .values_list("what", "object_id", "part")):
        if what == ProxyHidden.What.PLAN_PART:
            parts.add(part)
        else:
            ids.setdefault(what, set()).add(object_id)
    return Hidden(plan_parts=frozenset(parts), ids={k: frozenset(v) for k, v in ids.items()})

"""Benchmark: booking a review's appointments and the weeks-ahead forecast, against naive baselines.

    .venv/bin/python bench/booking.py [--patients 10000] [--runs 30] [--naive-runs 10] [--reuse]
        [--write-docs]

On PostgreSQL (database bench_booking on 127.0.0.1, created here; --reuse keeps one already loaded)
it loads a practice of --patients synthetic patients, refreshes its registers and plans this year's
reviews, then gives it a year of clinic sessions: weekly patterns (tests sessions held by health care
assistants, conversations by nurses, a GP and a pharmacist, nurses' sessions for both) added through
tandem.clinics.actions, so their sessions exist 366 days ahead, about 10,000 slots. About a third of
the slots are then booked through tandem.booking.actions.book: people in a random order, each
person's tests appointment in the month their review is due, and for most of them the conversation
from the practice's gap after it. All as of 15 June 2026. It measures, each after a warm-up:

1. the staff booking page (/booking/reviews/<review>/) as a signed-in administrator sees it, for
   people on three or more registers, with nothing booked yet and with the tests booked (then the page
   also offers conversation times); and the person's own booking pages on their invitation link
   (/r/<key>/book/ and, with a tests time chosen, /r/<key>/book/conversation/): median and 95th
   percentile over --runs views, cycling through the people; against the same pages with their slot
   search (`queries.next_free`) replaced by the naive one below (--naive-runs views);
2. the slot search alone as the person's self-booking uses it: `queries.next_free` for the tests from
   tomorrow and for the conversation from the gap date (the practice's gap after the tests), each call
   timed, against the naive search: every session of the year and every taken slot of the practice
   read, and the free places worked out in Python, for each search. Both answers are checked equal
   for every call, including every call the pages made;
3. the forecast (/recall/forecast/: 12 weeks of minutes needed against minutes held and booked) as a
   page and `tandem.recall.queries.forecast` alone, against a naive forecast: every open review of the
   year read, each person's facts and plan, the plan's minutes added up by group for its month in a
   loop over the reviews, and the sessions held and slots taken added up in Python; checked equal.

--write-docs replaces the "## Booking and the forecast" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import logging
import os
import random
import statistics
import sys
import textwrap
import time
from collections import defaultdict
from unittest import mock

from common import (
    DOCS,
    ROOT,
    analyze,
    ensure_practice,
    fresh_postgres_database,
    start_django,
    write_docs_section,
)

HEADING = "## Booking and the forecast"
PG_NAME = "bench_booking"
REFERENCE_DAY = dt.date(2026, 6, 15)  # a Monday
ODS = "Y60000"
SEED = 20260615
SEVERAL = 3  # registers that make "several conditions"
PEOPLE = 20  # people on the pages and in the searches, in each group
BOOKED_SHARE = 1 / 3  # of the year's slots
TALK_SHARE = 0.7  # of the people booked for tests, those whose conversation is booked too
T = dt.time
#: The person's pages are rate limited per address and per link; one browser asks for them here many
#: times a second, so the limits are lifted for the run.
UNLIMITED = {"TANDEM_PUBLIC_RATE_PER_ADDRESS": "1000000/m", "TANDEM_PUBLIC_RATE_PER_LINK": "1000000/m"}

#: (staff, role, purpose, weekdays, start, end, slot minutes, place): about 200 slots a week
WEEK = [
    ("hca-1", "hca", "tests", (0, 1, 2, 3, 4), T(8, 30), T(11, 30), 15, "Treatment room"),
    ("hca-2", "hca", "tests", (0, 1, 2, 3), T(13, 30), T(16, 30), 15, "Treatment room"),
    ("nurse-1", "nurse", "conversation", (1, 3), T(9, 0), T(12, 30), 15, "Room 3"),
    ("nurse-1", "nurse", "both", (0, 2, 4), T(14, 0), T(17, 0), 15, "Room 3"),
    ("nurse-2", "nurse", "both", (1,), T(14, 0), T(17, 0), 15, "Room 4"),
    ("gp-1", "gp", "conversation", (2, 4), T(14, 0), T(16, 0), 20, "Room 1"),
    ("pharmacist-1", "pharmacist", "conversation", (3,), T(14, 0), T(16, 0), 20, "Room 5"),
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(fn, runs: int) -> dict:
    """Median and 95th percentile of `runs` calls of `fn` (which returns its own seconds), after one."""
    fn()
    times = [fn() for _ in range(runs)]
    return {"runs": runs, "median_ms": 1000 * statistics.median(times), "p95_ms": 1000 * percentile(times, 95)}


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# --- The practice's year ---------------------------------------------------------------------


def staff(practice) -> dict:
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    users = {}
    for name, role in dict.fromkeys((w[0], w[1]) for w in WEEK):
        users[name] = core_actions.add_staff(practice=practice, username=f"bench-{name}", role=Role(role), by=None,
                                             first_name=role.upper() if role in {"hca", "gp"} else role.capitalize(),
                                             last_name=name.split("-")[1])
    users["admin"] = core_actions.add_staff(practice=practice, username="bench-admin", role=Role.ADMIN, by=None)
    return users


def add_sessions(practice, users: dict, today: dt.date) -> int:
    """The week's patterns from this week's Monday, through the clinics' actions (sessions to the horizon)."""
    from tandem.clinics import actions
    from tandem.clinics.actions import Repeat, SessionEntry
    from tandem.clinics.rules.sessions import monday_of

    made = 0
    for name, role, purpose, weekdays, start, end, slot, place in WEEK:
        entry = SessionEntry(staff_id=users[name].pk, role=role, place=place, purpose=purpose,
                             start_time=start, end_time=end, slot_minutes=slot)
        for weekday in weekdays:
            _, count = actions.add_pattern(practice=practice, by=users["admin"], entry=entry, today=today,
                                           repeat=Repeat(weekday=weekday, every_weeks=1, first_day=monday_of(today),
                                                         last_day=None))
            made += count
    return made


def needs_of(practice, reviews, today):
    """Review id -> what its appointments need (booking.presenters.needs), one statement for everyone."""
    from tandem.booking import presenters
    from tandem.recall import queries as recall_queries

    facts = recall_queries.person_facts(practice, [r.patient_id for r in reviews])
    out = {}
    for review in reviews:
        f = facts.get(review.patient_id) or recall_queries.PersonFacts()
        out[review.pk] = presenters.needs(recall_queries.plan_for(f, today=today), f.adjustments)
    return out


def book_year(practice, admin, today: dt.date) -> dict:
    """Book about BOOKED_SHARE of the year's slots through booking.actions.book: people in a random
    order, the tests on a day of the month their review is due (from tomorrow), the conversation
    from the practice's gap after it. Places are found from the sessions read once (kept in step)."""
    from tandem.booking import actions, queries, rules
    from tandem.booking.rules import Kind
    from tandem.clinics.models import ClinicSession
    from tandem.clinics.rules.sessions import Cancelled, slot_starts
    from tandem.recall.models import Review
    from tandem.recall.rules import dates
    from tandem.recall.rules.status import OPEN

    rng = random.Random(SEED)
    tomorrow = today + dt.timedelta(days=1)
    sessions = list(ClinicSession.objects.filter(practice=practice, day__gte=tomorrow, cancelled=Cancelled.HELD)
                    .order_by("day", "start_time", "pk"))
    days = [s.day for s in sessions]
    starts = {s.pk: slot_starts(s.start_time, s.end_time, s.slot_minutes) for s in sessions}
    taken: dict[int, set] = {s.pk: set() for s in sessions}
    target = int(sum(len(v) for v in starts.values()) * BOOKED_SHARE)
    gap_days, _ = queries.settings_for(practice)

    def place(kind, minutes, roles, from_day):
        for s in sessions[bisect.bisect_left(days, from_day):]:
            if s.purpose in rules.HELD_IN[kind] and s.role in roles:
                count = rules.slots_needed(minutes, s.slot_minutes)
                runs = rules.free_runs(starts[s.pk], taken[s.pk], count)
                if runs:
                    start = rng.choice(runs)
                    return s, start, rules.run_from(start, starts[s.pk], count)
        return None

    def take(review, kind, minutes, found) -> bool:
        session, start, run = found
        try:
            actions.book(practice=practice, by=admin, review=review, kind=kind, session_id=session.pk, start=start,
                         minutes=minutes)
        except actions.BookingError as exc:
            counts["refused"] += 1
            counts.setdefault("why", str(exc))
            return False
        taken[session.pk].update(run)
        counts["slots"] += len(run)
        counts[kind.value] += 1
        return True

    reviews = list(Review.objects.filter(practice=practice, review_year=dates.review_year_of(today),
                                         status__in=[s.value for s in OPEN], registered=True).order_by("pk"))
    rng.shuffle(reviews)
    need = needs_of(practice, reviews, today)
    counts: dict = defaultdict(int)
    for review in reviews:
        if counts["slots"] >= target:
            break
        n = need[review.pk]
        month = max(review.due_month, dates.first_of_month(tomorrow))
        day = max(tomorrow, month + dt.timedelta(days=rng.randrange(dates.days_in_month(month))))
        talk_from = day
        if not n.no_tests:
            found = place(Kind.TESTS, n.tests_minutes, n.tests_roles, day)
            if found is None or not take(review, Kind.TESTS, n.tests_minutes, found):
                continue
            talk_from = found[0].day + dt.timedelta(days=gap_days)
        if rng.random() < TALK_SHARE:
            found = place(Kind.CONVERSATION, n.conversation_minutes, n.conversation_roles, talk_from)
            if found is not None:
                take(review, Kind.CONVERSATION, n.conversation_minutes, found)
    return dict(counts)


def year_facts(practice) -> dict:
    from django.db.models import Count

    from tandem.booking.models import Appointment, TakenSlot
    from tandem.clinics.models import ClinicSession
    from tandem.clinics.rules.sessions import Cancelled, slot_starts

    sessions = list(ClinicSession.objects.filter(practice=practice).values_list(
        "day", "start_time", "end_time", "slot_minutes", "cancelled"))
    held = [s for s in sessions if s[4] == Cancelled.HELD]
    slots = sum(len(slot_starts(*s[1:4])) for s in held)
    taken = TakenSlot.objects.filter(session__practice=practice).count()
    booked = dict(Appointment.objects.filter(practice=practice, state="booked").values_list("kind")
                  .annotate(n=Count("pk")).order_by())
    return {"sessions": len(sessions), "held": len(held), "cancelled": len(sessions) - len(held),
            "first_day": min(s[0] for s in sessions), "last_day": max(s[0] for s in sessions),
            "slots": slots, "taken": taken, "booked": booked,
            "patterns": sum(len(w[3]) for w in WEEK)}


# --- The naive baselines ---------------------------------------------------------------------


def naive_next_free(practice, *, kind: str, minutes: int, from_day: dt.date, now: dt.datetime | None = None,
                    limit: int = 5, roles=None, staff_id: int | None = None):
    """The obvious slot search: every session of the practice in the year from `from_day` and every
    slot taken in them read, and the free places worked out in Python. The same answer as
    `queries.next_free`."""
    from django.utils import timezone

    from tandem.booking import rules
    from tandem.booking.models import TakenSlot
    from tandem.clinics.models import ClinicSession
    from tandem.clinics.rules.sessions import Cancelled, slot_starts

    end = from_day + dt.timedelta(days=366)
    sessions = list(ClinicSession.objects.filter(practice=practice, day__gte=from_day, day__lte=end)
                    .select_related("staff").order_by("day", "start_time", "pk"))
    taken: dict[int, set] = defaultdict(set)
    for session_id, start in TakenSlot.objects.filter(session__practice=practice, session__day__gte=from_day,
                                                      session__day__lte=end).values_list("session_id", "start"):
        taken[session_id].add(start)
    local = timezone.localtime(now) if now is not None else None
    out = []
    for s in sessions:
        if (s.cancelled != Cancelled.HELD or s.purpose not in rules.HELD_IN[rules.Kind(kind)]
                or (roles is not None and s.role not in roles) or (staff_id is not None and s.staff_id != staff_id)):
            continue
        starts = slot_starts(s.start_time, s.end_time, s.slot_minutes)
        count = rules.slots_needed(minutes, s.slot_minutes)
        for i in range(len(starts) - count + 1):
            if any(x in taken[s.pk] for x in starts[i:i + count]):
                continue
            if local is not None and s.day == local.date() and starts[i] <= local.time():
                continue
            out.append((s, starts[i]))
            if len(out) >= limit:
                return out
    return out


def naive_forecast(practice, *, today: dt.date):
    """The forecast worked out the obvious way: every open review of the year(s) read, each person's
    facts and plan, the plan's minutes added to its month's HCA and clinician totals in a loop over the
    reviews, and each session held in the weeks and each slot taken (of the whole practice) added to
    its week in Python."""
    from tandem.booking.models import TakenSlot
    from tandem.clinics.models import ClinicSession
    from tandem.clinics.rules.sessions import Cancelled, monday_of
    from tandem.recall import queries as recall_queries
    from tandem.recall.models import Review
    from tandem.recall.rules import capacity, dates
    from tandem.recall.rules.status import OPEN

    mondays = capacity.forecast_mondays(today)
    last = mondays[-1] + dt.timedelta(days=6)
    this, final = dates.first_of_month(today), dates.first_of_month(last)
    years = sorted({dates.review_year_of(today), dates.review_year_of(last)})
    reviews = list(Review.objects.filter(practice=practice, review_year__in=years,
                                         status__in=[s.value for s in OPEN], registered=True))
    facts = recall_queries.person_facts(practice, [r.patient_id for r in reviews])
    needed: dict[dt.date, list[int]] = {}
    month = this
    while month <= final:
        needed[month] = [0, 0]
        month = dates.add_months(month, 1)
    for review in reviews:
        month = max(review.due_month, this)
        if month > final:
            continue
        plan = recall_queries.plan_for(facts.get(review.patient_id) or recall_queries.PersonFacts(), today=today)
        needed[month][0] += plan.hca_minutes
        needed[month][1] += plan.clinician_minutes
    typed = recall_queries.settings_for(practice).available()
    sessions = booked = None
    if ClinicSession.objects.filter(practice=practice).exists():
        held = {monday: defaultdict(int) for monday in mondays}
        for s in ClinicSession.objects.filter(practice=practice, day__gte=mondays[0], day__lte=last):
            if s.cancelled == Cancelled.HELD:
                held[monday_of(s.day)][s.role] += s.minutes
        taken = {monday: defaultdict(int) for monday in mondays}
        for slot in TakenSlot.objects.filter(session__practice=practice).select_related("session"):
            s = slot.session
            if mondays[0] <= s.day <= last and s.cancelled == Cancelled.HELD:
                taken[monday_of(s.day)][s.role] += s.slot_minutes
        sessions, booked = ({monday: capacity.Available(hca=r["hca"], nurse=r["nurse"], pharmacist=r["pharmacist"],
                                                        gp=r["gp"]) for monday, r in by_week.items()}
                            for by_week in (held, taken))
    return capacity.weeks_ahead(mondays=mondays, typed=typed, sessions=sessions, booked=booked,
                                needed={m: tuple(v) for m, v in needed.items()})


# --- Measuring -------------------------------------------------------------------------------


def several(practice, today: dt.date) -> tuple[list, list]:
    """PEOPLE reviews of people on SEVERAL or more registers with nothing booked, and PEOPLE with
    their tests booked (the page then offers conversation times too), in a fixed order."""
    from tandem.booking.models import Appointment
    from tandem.recall import stored
    from tandem.recall.models import Review
    from tandem.recall.rules import dates
    from tandem.recall.rules.status import OPEN

    kinds = defaultdict(set)
    for review_id, kind in Appointment.objects.filter(practice=practice, state="booked").values_list("review_id",
                                                                                                      "kind"):
        kinds[review_id].add(kind)
    reviews = [r for r in Review.objects.filter(practice=practice, review_year=dates.review_year_of(today),
                                                status__in=[s.value for s in OPEN], registered=True).order_by("pk")
               if len(stored.registers_of(r.registers)) >= SEVERAL]
    unbooked = [r for r in reviews if not kinds[r.pk]][:PEOPLE]
    tests_booked = [r for r in reviews if kinds[r.pk] == {"tests"}][:PEOPLE]
    return unbooked, tests_booked


def page_series(client, reviews, runs: int) -> dict:
    urls = itertools.cycle([f"/booking/reviews/{r.pk}/" for r in reviews])

    def one() -> float:
        url = next(urls)
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return time.perf_counter() - started

    return measure(one, runs)


def checked_calls(visit) -> list[tuple]:
    """Every slot search `visit()` makes (its pages), recorded with its answer."""
    from tandem.booking import queries

    real = queries.next_free
    calls = []

    def recording(practice, **kwargs):
        found = real(practice, **kwargs)
        calls.append((practice, kwargs, [(s.pk, t) for s, t in found]))
        return found

    with mock.patch.object(queries, "next_free", recording):
        visit()
    return calls


def search_calls(practice, reviews, today: dt.date, now: dt.datetime) -> dict[str, list[dict]]:
    """The two searches of self-booking (tandem.booking.public) for each person: the tests from
    tomorrow, and the conversation from the gap date (the practice's gap after the tests booked, or
    after the first time offered for them)."""
    from tandem.booking import queries
    from tandem.booking.models import Appointment
    from tandem.booking.public import OFFERED
    from tandem.booking.rules import Kind

    need = needs_of(practice, reviews, today)
    gap_days, _ = queries.settings_for(practice)
    tomorrow = today + dt.timedelta(days=1)
    tests_day = dict(Appointment.objects.filter(review__in=reviews, kind="tests", state="booked")
                     .values_list("review_id", "day"))
    out: dict[str, list[dict]] = {"tests": [], "conversation": []}
    for review in reviews:
        n = need[review.pk]
        day = tests_day.get(review.pk)
        if not n.no_tests:
            tests = {"kind": Kind.TESTS, "minutes": n.tests_minutes, "from_day": tomorrow, "now": now,
                     "limit": OFFERED, "roles": n.tests_roles}
            out["tests"].append(tests)
            if day is None:
                day = queries.next_free(practice, **tests)[0][0].day
        out["conversation"].append({
            "kind": Kind.CONVERSATION, "minutes": n.conversation_minutes, "now": now, "limit": OFFERED,
            "from_day": max(tomorrow, (day or today) + dt.timedelta(days=gap_days)), "roles": n.conversation_roles})
    return out


def person_clients(practice, reviews, admin) -> list[tuple]:
    """For each review, its person's invitation link and a browser that has given their date of birth
    on it (tandem.booking.public's pages are behind it)."""
    from django.test import Client

    from tandem.core import clock
    from tandem.messaging import link_actions, links
    from tandem.messaging.models import ReplyLink

    out = []
    for review in reviews:
        patient = review.patient
        token = link_actions.issue_links(practice=practice, by=admin, requests=[link_actions.LinkRequest(
            patient=patient, purpose=ReplyLink.Purpose.INVITATION, object_id=review.pk,
            expires_at=links.invitation_expires_at(clock.now()))])[0].token
        client = Client()
        born = patient.date_of_birth
        response = client.post(f"/r/{token}/", {"dob[day]": str(born.day), "dob[month]": str(born.month),
                                                "dob[year]": str(born.year)})
        assert response.status_code == 302, response.status_code
        out.append((client, token))
    return out


def public_series(people, page: str, runs: int) -> dict:
    """The person's own booking page `page` ("" for the tests, "conversation/"), cycling through people."""
    cycle = itertools.cycle(people)

    def one() -> float:
        client, token = next(cycle)
        started = time.perf_counter()
        response = client.get(f"/r/{token}/book/{page}")
        assert response.status_code == 200, (page, response.status_code)
        return time.perf_counter() - started

    return measure(one, runs)


def choose_first_tests(people) -> None:
    """Each person chooses the first tests time offered (kept in their session, nothing booked), so
    the conversation page is theirs to see."""
    import re

    for client, token in people:
        page = client.get(f"/r/{token}/book/").content.decode()
        place = re.search(r'name="place" type="radio" value="([^"]+)"', page).group(1)
        response = client.post(f"/r/{token}/book/", {"place": place})
        assert response["Location"] == f"/r/{token}/book/conversation/", response.status_code


def search_series(fn, practice, calls: list[dict], runs: int) -> dict:
    cycle = itertools.cycle(calls)
    return measure(lambda: timed(lambda: fn(practice, **next(cycle))), runs)


def run(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from tandem.booking import queries as booking_queries
    from tandem.clinics.models import SessionPattern
    from tandem.core import clock
    from tandem.recall import actions as recall_actions
    from tandem.recall import queries as recall_queries
    from tandem.recall.models import Review
    from tandem.registers import actions as register_actions

    out: dict = {"load_before": os.getloadavg()[0]}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        out["server"] = f"PostgreSQL {cursor.fetchone()[0]}"
    with clock.frozen(REFERENCE_DAY) as moment, override_settings(ALLOWED_HOSTS=["*"], **UNLIMITED):
        today = clock.today()
        practice, _ = ensure_practice(ODS, args.patients, SEED, log)
        users = staff(practice)
        if not Review.objects.filter(practice=practice).exists():
            analyze()
            register_actions.refresh_practice(practice=practice, by=None)
            recall_actions.plan_reviews(practice=practice, by=None)
        if not SessionPattern.objects.filter(practice=practice).exists():
            started = time.perf_counter()
            made = add_sessions(practice, users, today)
            log(f"{made:,} sessions made from {sum(len(w[3]) for w in WEEK)} patterns in "
                f"{time.perf_counter() - started:.1f} s")
            analyze()
            started = time.perf_counter()
            counts = book_year(practice, users["admin"], today)
            out["booking_seconds"] = time.perf_counter() - started
            out["booking_counts"] = counts
            log(f"booked {counts.get('tests', 0):,} tests appointments and {counts.get('conversation', 0):,} "
                f"conversations ({counts.get('slots', 0):,} slots) in {out['booking_seconds']:.0f} s; "
                f"refused {counts.get('refused', 0)} ({counts.get('why', '')})")
        analyze()
        out["year"] = year_facts(practice)
        out["patients"] = practice.patients.count()
        out["reviews"] = Review.objects.filter(practice=practice).count()
        log(f"year: {out['year']}")

        client = Client()
        client.force_login(users["admin"])
        unbooked, tests_booked = several(practice, today)
        out["people"] = (len(unbooked), len(tests_booked))
        assert unbooked and tests_booked, f"too few people on {SEVERAL} or more registers: load more patients"

        # The person's own pages (unbooked people): the tests, then the conversation once tests are chosen.
        people = person_clients(practice, unbooked, users["admin"])

        def visit() -> None:
            for review in unbooked + tests_booked:
                assert client.get(f"/booking/reviews/{review.pk}/").status_code == 200
            for person, token in people:
                assert person.get(f"/r/{token}/book/").status_code == 200

        # Every slot search the pages make, and the self-booking searches: the naive answer is the same.
        page_calls = checked_calls(visit)
        choose_first_tests(people)
        page_calls += checked_calls(lambda: [person.get(f"/r/{token}/book/conversation/") for person, token in people])
        searches = search_calls(practice, unbooked + tests_booked, today, moment)
        for practice_, kwargs, expected in page_calls:
            assert [(s.pk, t) for s, t in naive_next_free(practice_, **kwargs)] == expected, kwargs
        reads = []
        for kwargs in itertools.chain(*searches.values()):
            with CaptureQueriesContext(connection) as queries_made:
                expected = [(s.pk, t) for s, t in booking_queries.next_free(practice, **kwargs)]
            reads.append(len(queries_made))
            assert [(s.pk, t) for s, t in naive_next_free(practice, **kwargs)] == expected, kwargs
            assert expected, ("no place found", kwargs)
        out["search_reads"] = (statistics.mean(reads), max(reads))
        out["checked_searches"] = len(page_calls) + sum(len(v) for v in searches.values())
        log(f"{out['checked_searches']} searches checked equal")

        # 1. The booking page.
        out["page_unbooked"] = page_series(client, unbooked, args.runs)
        out["page_tests_booked"] = page_series(client, tests_booked, args.runs)
        with mock.patch.object(booking_queries, "next_free", naive_next_free):
            out["naive_page_unbooked"] = page_series(client, unbooked, args.naive_runs)
            out["naive_page_tests_booked"] = page_series(client, tests_booked, args.naive_runs)
        log(f"page p95: {out['page_unbooked']['p95_ms']:.0f} / {out['page_tests_booked']['p95_ms']:.0f} ms; "
            f"naive {out['naive_page_unbooked']['p95_ms']:.0f} / {out['naive_page_tests_booked']['p95_ms']:.0f} ms")

        out["public_tests"] = public_series(people, "", args.runs)
        out["public_conversation"] = public_series(people, "conversation/", args.runs)
        with mock.patch("tandem.core.ratelimits.is_ratelimited", return_value=False):
            out["public_tests_uncounted"] = public_series(people, "", args.runs)
        with mock.patch.object(booking_queries, "next_free", naive_next_free):
            out["naive_public_tests"] = public_series(people, "", args.naive_runs)
            out["naive_public_conversation"] = public_series(people, "conversation/", args.naive_runs)
        log(f"self-booking pages p95: {out['public_tests']['p95_ms']:.0f} / "
            f"{out['public_conversation']['p95_ms']:.0f} ms; naive {out['naive_public_tests']['p95_ms']:.0f} / "
            f"{out['naive_public_conversation']['p95_ms']:.0f} ms")

        # 2. The slot search alone.
        for kind, calls in searches.items():
            out[f"search_{kind}"] = search_series(booking_queries.next_free, practice, calls, args.runs)
            out[f"naive_search_{kind}"] = search_series(naive_next_free, practice, calls, args.naive_runs)
            log(f"next_free {kind} p95 {out[f'search_{kind}']['p95_ms']:.1f} ms; "
                f"naive {out[f'naive_search_{kind}']['p95_ms']:.0f} ms")

        # 3. The forecast.
        bulk = recall_queries.forecast(practice, today=today)
        naive = naive_forecast(practice, today=today)
        assert naive == bulk, "naive and set-based forecasts differ"
        out["forecast_short_weeks"] = len(bulk.short_weeks)
        out["forecast_weeks"] = len(bulk.weeks)
        out["open_reviews"] = recall_queries.reviews_of(practice).filter(
            status__in=["planned", "invited", "booked", "did_not_attend"], registered=True).count()

        def forecast_page() -> float:
            started = time.perf_counter()
            response = client.get("/recall/forecast/")
            assert response.status_code == 200, response.status_code
            return time.perf_counter() - started

        out["forecast_page"] = measure(forecast_page, args.runs)
        out["forecast_reads"] = measure(lambda: timed(lambda: recall_queries.forecast(practice, today=today)),
                                        args.runs)
        out["naive_forecast"] = measure(lambda: timed(lambda: naive_forecast(practice, today=today)), args.naive_runs)
        log(f"forecast page p95 {out['forecast_page']['p95_ms']:.0f} ms; reads {out['forecast_reads']['p95_ms']:.1f} ms; "
            f"naive {out['naive_forecast']['p95_ms']:.0f} ms")
    out["load_after"] = os.getloadavg()[0]
    return out


# --- The section of docs/benchmarks.md -------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def _ratio(naive: dict, bulk: dict) -> str:
    ratio = naive["p95_ms"] / bulk["p95_ms"]
    return f"**{ratio:,.1f}x**" if ratio < 10 else f"**{ratio:,.0f}x**"


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=110, subsequent_indent=indent, break_on_hyphens=False)


def render(r: dict, info: dict, command: str) -> str:
    y, booked = r["year"], r["year"]["booked"]
    rows = [
        ("staff booking page, nothing booked yet (offers tests times)", "page_unbooked", "naive_page_unbooked"),
        ("staff booking page, tests booked (offers moving them, and conversation times)", "page_tests_booked",
         "naive_page_tests_booked"),
        ("self-booking, choosing the tests time (`/r/<key>/book/`)", "public_tests", "naive_public_tests"),
        ("the same, without the rate limits' counting", "public_tests_uncounted", None),
        ("self-booking, choosing the conversation time, tests chosen (`/r/<key>/book/conversation/`)",
         "public_conversation", "naive_public_conversation"),
        ("slot search, tests from tomorrow (`queries.next_free`)", "search_tests", "naive_search_tests"),
        ("slot search, conversation from the gap date", "search_conversation", "naive_search_conversation"),
        ("forecast page (`/recall/forecast/`)", "forecast_page", None),
        ("forecast reads (`recall.queries.forecast`)", "forecast_reads", "naive_forecast"),
    ]
    mean_reads, most_reads = r["search_reads"]
    made = booked.get("tests", 0) + booked.get("conversation", 0)
    setting = (
        f"`bench/booking.py` gives a {r['patients']:,}-patient synthetic practice (registers refreshed, "
        f"{r['reviews']:,} reviews planned) a year of clinic sessions: {y['patterns']} weekly patterns added "
        "through `tandem.clinics.actions` (tests with two health care assistants; conversations with nurses, a GP "
        "and a pharmacist; nurses' sessions for both), so their sessions exist 366 days ahead: "
        f"{y['sessions']:,} sessions from {y['first_day']:%-d %B %Y} to {y['last_day']:%-d %B %Y} "
        f"({y['cancelled']} not held, on bank holidays), {y['slots']:,} slots. {y['taken']:,} of the slots "
        f"({y['taken'] / y['slots']:.0%}) are taken by {booked.get('tests', 0):,} tests appointments and "
        f"{booked.get('conversation', 0):,} conversations booked through `tandem.booking.actions.book`: people "
        "in a random order, each person's tests on a day of the month their review is due (from 16 June), "
        "most of their conversations from the practice's 14-day gap after them, so the bookings run from June "
        "to April (the review year ends in March).")
    if r.get("booking_seconds"):
        setting += (f" Booking them took {r['booking_seconds']:.0f} s, {1000 * r['booking_seconds'] / made:.0f} ms "
                    "an appointment (the action also records the review as booked, or books the conversation its "
                    "pack is for, and is audited).")
    setting += (
        f" Measured on {info['date']} on this machine: {info['nproc']} CPUs (nproc), {info['cpu']}, "
        f"{info['memory']} RAM; Python {info['python']}, Django {info['django']}; {r['server']}; as of 15 June "
        "2026, with Django's test client (no network), the staff pages signed in as an administrator, the "
        "person's pages on their invitation link after giving their date of birth. Reproduce with:")
    lines = [
        HEADING, "", _wrap(setting), "", "```", command, "```", "",
        _wrap(f"Each row is the median and 95th percentile of {r['page_unbooked']['runs']} runs after a warm-up "
              f"({r['naive_page_unbooked']['runs']} for the naive baselines), cycling through {r['people'][0]} "
              f"people on {SEVERAL} or more registers with nothing booked (the staff page also through "
              f"{r['people'][1]} with their tests booked); the searches are those people's. Load average "
              f"{r['load_before']:.1f} at the start and {r['load_after']:.1f} at the end ({info['nproc']} "
              "CPUs): other work on the machine lengthens every row alike."),
        "",
        "| | median | p95 | naive p95 | naive / this (p95) |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, key, naive in rows:
        n = r[naive] if naive else None
        lines.append(f"| {label} | {_ms(r[key]['median_ms'])} ms | **{_ms(r[key]['p95_ms'])} ms** | "
                     f"{_ms(n['p95_ms']) + ' ms' if n else ''} | {_ratio(n, r[key]) if n else ''} |")
    bullets = [
        "**Slot search.** The naive search is the obvious one: every session of the year from the day searched, "
        "and every slot taken in them, read, and the free places worked out in Python, for each search (the pages "
        "search two or three times). `next_free` reads a fortnight's sessions held for the kind and the roles "
        f"asked for, then windows twice as long until it has enough: {mean_reads / 2:.1f} windows a search on "
        f"average, {most_reads // 2} at most (two statements each), where the naive one reads all "
        f"{y['sessions']:,} sessions and {y['taken']:,} taken slots. The gain grows with the sessions kept and "
        "with how full the coming weeks are; a year of one practice's sessions is only about a thousand rows.",
        "**The pages.** The naive pages are the same pages with `next_free` replaced by the naive search. Most of "
        "a booking page is not the search: the review, the person (audited), their facts and plan, what is "
        "booked, the template. The person's pages also count two rate limits in the shared cache (a table in "
        "the database, written and committed on every request: the row without them shows their cost), keep "
        "the person's choices in their session and audit the view.",
        f"**The forecast.** The naive forecast reads every open review of the year ({r['open_reviews']:,}), each "
        "person's facts (one statement for everyone) and plan, and adds each plan's minutes to its month in a "
        "loop over the reviews; it adds up the sessions held and every slot taken in Python. "
        "`recall.queries.forecast` groups the reviews by the facts stored on them in one statement and plans "
        "each kind of person once, and sums the sessions held and the slots taken by day and role in the "
        f"database. {r['forecast_short_weeks']} of its {r['forecast_weeks']} weeks are short of staff time: "
        "the sessions set up here hold less time than the year's reviews need (and June also carries the open "
        "reviews due in April and May).",
    ]
    lines += [
        "",
        _wrap("Goal: the staff and self-booking pages and the forecast p95 under 300 ms (the clinical pages' goal, "
              "\"Pages under load\"), and the slot search and the forecast cheaper than the naive baselines in "
              "the same run (the last column)."),
        "",
        *(_wrap(f"- {b}", indent="  ") for b in bullets),
        "",
        _wrap(f"Every answer was checked equal to the naive one: {r['checked_searches']} slot searches (every one "
              "the measured pages made, and the self-booking searches) and the forecast, week by week (minutes "
              "needed, held and booked). Plans are cached in the process by what they depend on (`plan_for`), "
              "for both paths alike, so the figures are those of a warm process. The person's pages are limited "
              "to 120 requests a minute from one address and 30 on one link; the run lifts the limits (the "
              "counting still happens) to ask for them many times a second."),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    from registers import machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--naive-runs", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded benchmark database")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    start_django(fresh_postgres_database(PG_NAME, reuse=args.reuse))
    logging.disable(logging.INFO)  # one access log line per page view would drown the results
    results = run(args)
    command = (f".venv/bin/python bench/booking.py --patients {args.patients} --runs {args.runs} "
               f"--naive-runs {args.naive_runs}" + (" --write-docs" if args.write_docs else ""))
    section = render(results, machine(), command)
    print(section)  # noqa: T201
    if args.write_docs:
        write_docs_section(HEADING, section)
        print(f"Wrote {DOCS.relative_to(ROOT)}")  # noqa: T201


if __name__ == "__main__":
    main()

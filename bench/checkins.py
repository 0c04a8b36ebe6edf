"""Benchmark: a month of check-ins for a practice, opened and sent through the outbox (each with the
person's own link), against a naive per-person baseline, in the same run.

    .venv/bin/python bench/checkins.py [--patients 10000] [--database bench_checkins] [--reuse] [--write-docs]

On PostgreSQL (the --database on 127.0.0.1, created here; --reuse keeps one already loaded) it loads a
practice of --patients synthetic patients and gives every registered person on a register with a
mobile number or an email address a plan version and a monthly check-in schedule whose next day falls
in the month (spread over its days). Then, each inside a transaction that is rolled back (so both
start from the same state):

1. the daily work as the worker runs it: `tandem.checkins.actions.open_due` once for each day of the
   month (each day's check-ins read, made, linked and queued in bulk);
2. the naive baseline: for each day, each person due read and handled one at a time: their
   check-in saved, their link issued, their message queued, their schedule saved.

Both queue the same number of messages (checked). Reported as messages queued per second.
--write-docs replaces the "## Check-ins" section of docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import time

from common import (
    analyze,
    ensure_practice,
    fresh_postgres_database,
    start_django,
    write_docs_section,
)

HEADING = "## Check-ins"
MONTH = dt.date(2026, 7, 1)
DAYS = 31


def schedules(practice):
    """A plan version and a monthly schedule for every registered person on a register who can get a text or email."""
    from tandem.careplans.models import CarePlan, PlanVersion
    from tandem.careplans.rules.agreed_checkins import CheckIns, ReadingAgreement
    from tandem.careplans.rules.document import Goal, Plan
    from tandem.checkins.actions import questions_of
    from tandem.checkins.models import Schedule
    from tandem.checkins.rules import add_months
    from tandem.core import clock
    from tandem.patients.models import Patient
    from tandem.registers.models import RegisterMembership

    if Schedule.objects.filter(practice=practice).exists():
        return Schedule.objects.filter(practice=practice).count()
    if not RegisterMembership.objects.filter(practice=practice).exists():
        from tandem.registers import actions as register_actions

        register_actions.refresh_practice(practice=practice, by=None)
    on_register = RegisterMembership.objects.filter(practice=practice).values("patient_id")
    people = list(Patient.objects.filter(practice=practice, registration_status="registered", pk__in=on_register)
                  .exclude(mobile="", email="").order_by("pk"))
    plan = Plan(goals=(Goal(id="g1", words="Walk to the shops", importance=8, watch=True),
                       Goal(id="g2", words="Sleep through the night", importance=5)),
                checkins=CheckIns(every="monthly", channel="text", mood=True,
                                  readings=(ReadingAgreement("home_bp", amber="150/95", red="180/110"),)))
    now = clock.now()
    plans = CarePlan.objects.bulk_create([CarePlan(practice=practice, patient=p, version=1, created_at=now, updated_at=now)
                                          for p in people], batch_size=1000)
    versions = PlanVersion.objects.bulk_create([
        PlanVersion(practice=practice, plan=c, patient_id=c.patient_id, version=1, content=plan.as_dict(), created_at=now)
        for c in plans], batch_size=1000)
    questions = questions_of(plan)
    rows = []
    for i, (p, v) in enumerate(zip(people, versions, strict=True)):
        first = MONTH + dt.timedelta(days=i % DAYS)
        days = [add_months(first, k).isoformat() for k in range(3)]
        rows.append(Schedule(practice=practice, patient=p, version=v, cadence="monthly",
                             channel="text" if p.mobile else "email", days=days, questions=questions,
                             next_on=first, created_at=now))
    Schedule.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def naive_day(practice, day):
    """One person at a time: read, make the check-in, issue the link, queue the message, save the schedule."""
    from tandem.checkins import fhir, rules
    from tandem.checkins.models import CheckIn, Schedule
    from tandem.core import clock
    from tandem.messaging import actions as messaging_actions
    from tandem.messaging import link_actions, links
    from tandem.messaging.models import ReplyLink

    queued = 0
    for s in Schedule.objects.filter(practice=practice, next_on__lte=day).select_related("patient"):
        number = s.next_number + 1
        c = CheckIn.objects.create(
            practice=practice, patient=s.patient, version_id=s.version_id, number=number, channel=s.channel,
            opened_on=day, closes_on=rules.closes_on(day), reminder_days=[3, 6], questions=s.questions,
            questionnaire=fhir.questionnaire(s.questions, key=f"{s.version_id}-{number}", practice_name=practice.name,
                                             on=day),
            created_at=clock.now())
        secret = link_actions.Secret.new()
        message = messaging_actions.queue_message(
            practice=practice, patient=s.patient, channel="sms" if s.channel == "text" else "email", template="checkin",
            context={"closes_on": c.closes_on, **secret.context()}, idempotency_key=f"naive:{c.pk}", by=None)
        link_actions.issue_links(practice=practice, by=None, requests=[link_actions.LinkRequest(
            patient=s.patient, purpose=ReplyLink.Purpose.CHECKIN, object_id=c.pk,
            expires_at=links.fresh_expires_at(clock.now(), days=6), secret=secret)])
        queued += message is not None
        s.next_number += 1
        s.next_on = dt.date.fromisoformat(s.days[s.next_number]) if s.next_number < len(s.days) else None
        s.save(update_fields=["next_number", "next_on"])
    return queued


def month(fn):
    """Run `fn(day)` for each day of the month with the clock on that day, in a transaction rolled back;
    returns (seconds, messages queued)."""
    from django.db import transaction

    from tandem.core import clock

    total = 0
    with transaction.atomic():
        started = time.perf_counter()
        for d in range(DAYS):
            day = MONTH + dt.timedelta(days=d)
            with clock.frozen(dt.datetime.combine(day, dt.time(7), tzinfo=clock.now().tzinfo)):
                total += fn(day)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, total


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--database", default="bench_checkins")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    start_django(fresh_postgres_database(args.database, reuse=args.reuse))
    from tandem.checkins import actions
    from tandem.core import clock

    with clock.frozen(MONTH - dt.timedelta(days=1)):
        practice, _ = ensure_practice("C83004", args.patients, 5, print)
        from django.db import transaction

        with transaction.atomic():
            people = schedules(practice)
    analyze()
    fast_s, fast_n = month(lambda day: actions.open_due(practice=practice, by=None, today=day).sent)
    slow_s, slow_n = month(lambda day: naive_day(practice, day))
    assert people and fast_n == slow_n == people, (fast_n, slow_n, people)
    section = f"""{HEADING}

`.venv/bin/python bench/checkins.py --patients {args.patients}` on PostgreSQL: a synthetic practice of
{args.patients:,} patients; {people:,} people on a register with a mobile number or email address have a
monthly check-in whose day falls in July 2026 (spread over its 31 days). One run each, inside a
transaction rolled back, so both start from the same state; both queue the same {fast_n:,} messages,
each with the person's own link (checked).

| Path | Seconds for the month | Messages queued per second |
|---|---|---|
| `tandem.checkins.actions.open_due`, once a day (each day's check-ins made, linked and queued in bulk) | {fast_s:.2f} | {fast_n / fast_s:,.0f} |
| Naive: each person due read and handled one at a time | {slow_s:.2f} | {slow_n / slow_s:,.0f} |

The daily bulk path is {slow_s / fast_s:.1f} times faster.
"""
    print(section)
    if args.write_docs:
        write_docs_section(HEADING, section)


if __name__ == "__main__":
    main()

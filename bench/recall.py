"""Benchmark: this month's recall list for one practice, against a naive per-patient baseline.

    .venv/bin/python bench/recall.py [--practice-patients 10000] [--scale-practices 0]
        [--scale-patients 100000] [--runs 30] [--reuse]


On PostgreSQL (database tandem_bench_recall on 127.0.0.1, created here; --reuse keeps one already
loaded) it measures, as of 15 June 2026:

1. planning the year's reviews for one practice of --practice-patients patients (`plan_reviews`:
   bulk_create of reviews, their history rows and audit rows), against a naive baseline that writes
   the same rows one INSERT at a time;
2. the recall board for that practice: the whole page as a signed-in administrator sees it
   (this month and next, first page of 50, capacity panel, counts), `runs` times after a warm-up,
   median and 95th percentile; and the list's reads alone (`queries.board` + presenters);
3. the whole list (every review due this month and next, not only the first page) read the way
   the board reads it (four queries for everyone), against the naive baseline: one patient at a
   time (patient, registers, tier, adjustments, last spirometry), checked equal to the bulk path;
4. with --scale-practices more practices of --scale-patients each loaded, registers refreshed and
   reviews planned for all (about a million patients), the one-practice board again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from common import analyze, ensure_practice, fresh_postgres_database, start_django

PG_NAME = "tandem_bench_recall"
REFERENCE_DAY = dt.date(2026, 6, 15)
ODS = "Y70000"
SEED = 20260615


def prepare(practice) -> None:
    from tandem.recall import actions
    from tandem.registers import actions as register_actions

    register_actions.refresh_practice(practice=practice, by=None)
    actions.plan_reviews(practice=practice, by=None)


def time_plan(practice) -> tuple[int, float, float]:
    """Bulk planning against one INSERT per review; both in transactions that are rolled back."""
    from django.db import transaction

    from tandem.core import audit, clock
    from tandem.recall import actions
    from tandem.recall.models import Review, ReviewEvent
    from tandem.recall.rules import dates, schedule
    from tandem.registers import queries as register_queries

    with transaction.atomic():
        Review.objects.filter(practice=practice).delete()
        started = time.perf_counter()
        created = actions.plan_reviews(practice=practice, by=None).created
        bulk = time.perf_counter() - started
        transaction.set_rollback(True)
    with transaction.atomic():
        Review.objects.filter(practice=practice).delete()
        started = time.perf_counter()
        today, now = clock.today(), clock.now()
        people: dict[int, tuple] = {}
        for pid, slug, born in (register_queries.members(practice).values_list(
                "patient_id", "register", "patient__date_of_birth")):
            people.setdefault(pid, (born, []))[1].append(slug)
        for pid, (born, registers) in people.items():  # the same rows as the bulk path, one INSERT each
            review = Review.objects.create(
                practice=practice, patient_id=pid, review_year=dates.review_year_of(today), status="planned",
                status_on=today, created_at=now, updated_at=now,
                due_month=schedule.planned_due_month(today=today, patient_id=pid, date_of_birth=born,
                                                     conditions=registers))
            ReviewEvent.objects.create(practice=practice, review=review, kind="planned", status="planned", on=today,
                                       recorded_at=now)
            audit.record(by=None, practice=practice, action="create", what="recall.review", patient_id=pid)
        naive = time.perf_counter() - started
        transaction.set_rollback(True)
    return created, bulk, naive


def board_page(client) -> float:
    started = time.perf_counter()
    response = client.get("/recall/")
    assert response.status_code == 200, response.status_code
    return time.perf_counter() - started


def board_reads(practice, user) -> float:
    from tandem.core import clock
    from tandem.recall import presenters, queries

    started = time.perf_counter()
    today = clock.today()
    page = queries.board(practice=practice, by=user, filters=queries.BoardFilters(), today=today)
    presenters.rows(page.rows, policy=queries.settings_for(practice).policy(), today=today)
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(fn, runs: int) -> dict:
    fn()  # warm-up
    times = [fn() for _ in range(runs)]
    return {"median_ms": 1000 * statistics.median(times), "p95_ms": 1000 * percentile(times, 95)}


def naive_list(practice) -> tuple[int, float]:
    """Every review due this month and next, read one patient at a time; checked against the bulk path."""
    from django.db.models import Max

    from tandem.core import clock
    from tandem.patients.models import Observation, Patient, ReasonableAdjustment
    from tandem.recall import queries
    from tandem.registers.models import PatientRisk, RegisterMembership

    today = clock.today()
    filters = queries.BoardFilters()
    reviews = list(queries.board_queryset(practice, filters, today=today).order_by(*queries.ORDERING))
    started = time.perf_counter()
    naive_plans = {}
    for review in reviews:
        patient = Patient.objects.get(pk=review.patient_id)
        registers = tuple(RegisterMembership.objects.filter(patient=patient).values_list("register", flat=True))
        risk = PatientRisk.objects.filter(patient=patient).first()
        adjustments = frozenset(ReasonableAdjustment.objects.filter(patient=patient).values_list("kind", flat=True))
        last = Observation.objects.filter(patient=patient, concept="fev1").aggregate(d=Max("effective_date"))["d"]
        facts = queries.PersonFacts(
            conditions=tuple(sorted(registers, key=lambda s: queries._ORDER.get(s, 999))),
            tier=risk.tier if risk else "", frailty=(risk.frailty if risk else "") or "",
            adjustments=adjustments, last_done={"fev1": last} if last else {})
        naive_plans[patient.pk] = queries.plan_for(facts, today=today)
    seconds = time.perf_counter() - started
    bulk = queries.person_facts(practice, [r.patient_id for r in reviews])
    for pid, plan in naive_plans.items():
        assert plan == queries.plan_for(bulk[pid], today=today), "naive and bulk plans differ"
    return len(reviews), seconds


def bulk_list(practice) -> tuple[int, float]:
    """The same rows as naive_list, read the way the board reads them (four queries for everyone)."""
    from tandem.core import clock
    from tandem.recall import queries

    today = clock.today()
    started = time.perf_counter()
    reviews = list(queries.board_queryset(practice, queries.BoardFilters(), today=today)
                   .select_related("patient").order_by(*queries.ORDERING))
    facts = queries.person_facts(practice, [r.patient_id for r in reviews])
    for review in reviews:
        queries.plan_for(facts.get(review.patient_id, queries.PersonFacts()), today=today)
    return len(reviews), time.perf_counter() - started


def run(args, log) -> dict:
    from django.test import Client
    from django.test.utils import override_settings

    from tandem.core import actions as core_actions
    from tandem.core import clock
    from tandem.core.models import Practice, User
    from tandem.core.rules import Role
    from tandem.recall.models import Review

    out: dict = {}
    with clock.frozen(REFERENCE_DAY), override_settings(ALLOWED_HOSTS=["*"]):
        practice, _ = ensure_practice(ODS, args.practice_patients, SEED, log)
        analyze()
        if args.replan:
            Review.objects.filter(practice=practice).delete()
        prepare(practice)
        analyze()
        out["reviews"] = Review.objects.filter(practice=practice).count()
        out["plan_created"], out["plan_bulk_s"], out["plan_naive_s"] = time_plan(practice)
        log(f"plan {out['plan_created']:,} reviews: bulk {out['plan_bulk_s']:.2f} s, naive {out['plan_naive_s']:.2f} s")
        user = User.objects.filter(username="bench-admin").first() or core_actions.add_staff(
            practice=practice, username="bench-admin", role=Role.ADMIN, by=None)
        client = Client()
        client.force_login(user)
        out["page"] = measure(lambda: board_page(client), args.runs)
        out["reads"] = measure(lambda: board_reads(practice, user), args.runs)
        out["naive_rows"], out["naive_s"] = naive_list(practice)
        out["bulk_rows"], out["bulk_s"] = bulk_list(practice)
        log(f"board page p95 {out['page']['p95_ms']:.0f} ms; reads p95 {out['reads']['p95_ms']:.0f} ms; "
            f"whole list ({out['bulk_rows']} rows) {out['bulk_s']:.2f} s, naive {out['naive_s']:.2f} s")
        if args.scale_practices:
            for i in range(args.scale_practices):
                other, _ = ensure_practice(f"Y7{i + 1:04d}", args.scale_patients, SEED + 1 + i, log)
                if not Review.objects.filter(practice=other).exists():
                    analyze()  # fresh statistics for the rows just loaded, before the registers refresh
                    started = time.perf_counter()
                    prepare(other)
                    log(f"registers and reviews for {other.ods_code} in {time.perf_counter() - started:.0f} s")
            analyze()
            out["total_patients"] = sum(p.patients.count() for p in Practice.objects.all())
            out["total_reviews"] = Review.objects.count()
            out["scale_page"] = measure(lambda: board_page(client), args.runs)
            out["scale_reads"] = measure(lambda: board_reads(practice, user), args.runs)
            log(f"with {out['total_patients']:,} patients: board page p95 {out['scale_page']['p95_ms']:.0f} ms; "
                f"reads p95 {out['scale_reads']['p95_ms']:.0f} ms")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--practice-patients", type=int, default=10_000)
    parser.add_argument("--scale-practices", type=int, default=0)
    parser.add_argument("--scale-patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--replan", action="store_true", help="plan the one practice's reviews afresh")
    args = parser.parse_args()
    start_django(fresh_postgres_database(PG_NAME, reuse=args.reuse))

    def log(message: str) -> None:
        print(message, flush=True)  # noqa: T201

    result = run(args, log)
    print(result)  # noqa: T201


if __name__ == "__main__":
    main()

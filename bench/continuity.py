"""Benchmark: a practice's continuity of care (UPC, COC, SECON, care plan or not, named clinician)
against a naive per-person baseline, in the same run.

    .venv/bin/python bench/continuity.py [--patients 10000] [--runs 5] [--database bench_continuity]
        [--reuse] [--write-docs]

On PostgreSQL (the --database on 127.0.0.1, created here; --reuse keeps one already loaded) it loads
a practice of --patients synthetic patients (their contacts carry synthetic clinicians) and names a
clinician for every registered person. It then times, after a warm-up, median of --runs:

1. `tandem.continuity.queries.practice_continuity`: two reads for the whole practice (a GROUP BY
   person and clinician, and the contacts in date order streamed);
2. the naive baseline: the registered people read, then for each person their contacts that count
   read in date order, whether they have a care plan, and the indices worked out in Python with
   `tandem.continuity.rules`. Both answers are checked equal.

--write-docs replaces the "## Continuity of care" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from common import (
    analyze,
    ensure_practice,
    fresh_postgres_database,
    start_django,
    write_docs_section,
)

HEADING = "## Continuity of care"
TODAY = dt.date(2026, 6, 15)


def naive(practice, today):
    """Per person: their contacts and their care plan, read one person at a time."""
    from tandem.careplans.models import CarePlan
    from tandem.continuity import queries, rules
    from tandem.patients.models import Patient

    groups = {True: [], False: []}
    named_contacts = with_named = 0
    for patient in Patient.objects.filter(practice=practice, registration_status="registered"):
        contacts = list(queries.qualifying_contacts(practice, today=today, patient_ids=[patient.pk])
                        .order_by("date", "pk").values_list("clinician_id", "clinician_ref"))
        if not contacts:
            continue
        seen = [(c, "" if c is not None else r) for c, r in contacts]
        has_plan = CarePlan.objects.filter(patient=patient, version__gte=1).exists()
        groups[has_plan].append(rules.indices(seen))
        if patient.named_clinician_id is not None:
            named_contacts += len(seen)
            with_named += sum(c == patient.named_clinician_id for c, _ in seen)
    everyone = [i for i in groups[True] + groups[False] if i.contacts >= rules.MIN_CONTACTS]
    return (len(everyone), rules.mean(i.upc for i in everyone), rules.mean(i.coc for i in everyone),
            rules.mean(i.secon for i in everyone), named_contacts, with_named)


def timed(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default="bench_continuity")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    start_django(fresh_postgres_database(args.database, reuse=args.reuse))
    from tandem.continuity import queries
    from tandem.core import actions as core_actions
    from tandem.core import clock
    from tandem.core.models import Membership
    from tandem.core.rules import Role
    from tandem.synth.load import assign_named_clinicians, link_clinicians

    with clock.frozen(TODAY):
        practice, load_seconds = ensure_practice("C83003", args.patients, 3, print)
        if not Membership.objects.filter(practice=practice).exists():
            gps = [core_actions.add_staff(practice=practice, username=f"bench-gp-{i}", role=Role.GP, by=None)
                   for i in (1, 2)]
            assign_named_clinicians(practice=practice, clinicians=gps)
            # The synthetic practice's first two GPs are these users.
            link_clinicians(practice=practice, clinicians={f"synth-gp-{i}": gp for i, gp in enumerate(gps, start=1)})
        analyze()
        fast_s, figures = timed(lambda: queries.practice_continuity(practice, today=TODAY), args.runs)
        slow_s, slow = timed(lambda: naive(practice, TODAY), max(1, args.runs // 2))
    e = figures.everyone
    fast = (e.people, e.upc, e.coc, e.secon, figures.named.contacts, figures.named.with_named)
    assert fast[0] == slow[0] and fast[4:] == slow[4:], (fast, slow)
    assert all(abs(a - b) < 1e-9 for a, b in zip(fast[1:4], slow[1:4], strict=True)), (fast, slow)
    section = f"""{HEADING}

`.venv/bin/python bench/continuity.py --patients {args.patients} --runs {args.runs}` on PostgreSQL,
as of {TODAY:%d %B %Y}: a synthetic practice of {args.patients:,} patients, {figures.contacts:,} contacts
that count in the last two years, {e.people:,} people with two or more (mean UPC {e.upc:.2f}, COC {e.coc:.2f},
SECON {e.secon:.2f}; named clinician seen in {figures.named.with_named:,} of {figures.named.contacts:,}
contacts). Median of the runs, after a warm-up; both paths give the same answer (checked).

| Path | Seconds |
|---|---|
| `tandem.continuity.queries.practice_continuity` (two reads for the practice) | {fast_s:.3f} |
| Naive: per person, their contacts and care plan read, indices in Python | {slow_s:.3f} |

The set-based path is {slow_s / fast_s:.0f} times faster.
"""
    print(section)
    if args.write_docs:
        write_docs_section(HEADING, section)


if __name__ == "__main__":
    main()

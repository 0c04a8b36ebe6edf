"""Daily tasks run without anyone asking: the worker's first turn of each day queues them once for every
practice (making clinic sessions a year ahead, sending appointment reminders), however many workers turn
and however often."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core import clock
from tandem.jobs import actions, registry, worker
from tandem.jobs.models import Job

pytestmark = pytest.mark.django_db
DAILY = ["booking.reminders", "checkins.daily", "clinics.extend", "continuity.daily", "fhirapi.daily",
         "people.daily", "surveys.daily"]


def test_the_daily_tasks_are_the_sessions_and_the_reminders():
    assert registry.daily_kinds() == DAILY


def test_the_first_turn_of_a_day_queues_each_daily_task_once_for_every_practice(universe):
    loop, other = worker.Loop(worker="one"), worker.Loop(worker="two")
    with clock.frozen(dt.date(2026, 6, 15)):
        loop.step()
        other.step()  # a second worker on the same day queues nothing more
        loop.step()
        assert actions.schedule_daily() == 0
    jobs = Job.objects.filter(idempotency_key__startswith="daily:")
    assert sorted(jobs.values_list("practice__ods_code", "kind")) == sorted(
        (ods, kind) for ods in ("A81001", "B82002") for kind in DAILY)
    assert {j.idempotency_key for j in jobs} == {f"daily:{k}:2026-06-15" for k in DAILY}
    assert all(j.created_by_id is None for j in jobs)
    with clock.frozen(dt.date(2026, 6, 16)):
        loop.step()
    assert Job.objects.filter(idempotency_key__endswith=":2026-06-16").count() == 2 * len(DAILY)


def test_the_daily_jobs_run_and_make_the_new_day_s_sessions(universe):
    from tandem.clinics.models import ClinicSession
    from tests.clinics.conftest import weekly

    class Team:
        practice = universe.practice

    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    Team.hca = core_actions.add_staff(practice=universe.practice, username="hca", role=Role.HCA, by=None)
    Team.manager = core_actions.add_staff(practice=universe.practice, username="m", role=Role.MANAGER, by=None)
    with clock.frozen(dt.date(2026, 6, 15)):
        weekly(Team)
        before = ClinicSession.objects.count()
    with clock.frozen(dt.date(2026, 6, 23)):  # a week on: next June's Monday comes within the year
        actions.schedule_daily()
        worker.run_pending()
    assert ClinicSession.objects.count() == before + 1
    assert not Job.objects.exclude(state=Job.State.DONE).exists()

"""Each practice's continuity with the named clinician, worked out each night by the worker, is what a
network's page reads: one row per practice, the same figure as counting the contacts there and then."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.continuity import actions, queries
from tandem.continuity.models import NamedContinuity
from tandem.core import clock

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def seen(universe):
    from tandem.patients import actions as patient_actions

    u = universe
    patient_actions.set_named_clinician(patient=u.patient, by=None, clinician=u.nurse)
    for day, clinician in ((D(2026, 1, 5), u.nurse), (D(2026, 2, 5), u.nurse), (D(2026, 3, 5), None)):
        _contact(u, day, clinician)
    return u


def _contact(u, day, clinician):
    from tandem.patients.models import Encounter

    Encounter.objects.create(practice=u.practice, patient=u.patient, date=day, clinician=clinician,
                             clinician_ref="" if clinician else "Practitioner/locum-1")


def test_the_nightly_figure_is_the_count_of_the_contacts_and_the_page_reads_it(seen):
    u = seen
    today = clock.today()
    live = queries.across_practices([u.practice.pk], today=today).named[u.practice.pk]
    assert (live.people, live.contacts, live.with_named) == (1, 3, 2)
    row = actions.record_named_continuity(practice=u.practice, by=None)
    assert (row.on, row.people, row.contacts, row.with_named) == (today, 1, 3, 2)
    actions.record_named_continuity(practice=u.practice, by=None)  # again the same day: replaced, not added
    assert NamedContinuity.objects.count() == 1

    _contact(u, today, u.nurse)
    kept = queries.named_figures([u.practice.pk, u.other_practice.pk], today=today)
    assert kept.named[u.practice.pk].contacts == 3  # last night's figure, not recounted
    assert u.other_practice.pk not in kept.named  # no one counted there: left out, as across_practices does
    with clock.frozen(today + dt.timedelta(days=2)):  # the worker has not run for two days: counted now
        later = queries.named_figures([u.practice.pk], today=clock.today())
    assert later.named[u.practice.pk].contacts == 4 and later.until == today + dt.timedelta(days=2)


def test_the_worker_works_it_out_every_day_for_every_practice(seen):
    from tandem.continuity.tasks import DAILY_JOB
    from tandem.jobs.registry import daily_kinds

    assert DAILY_JOB in daily_kinds()

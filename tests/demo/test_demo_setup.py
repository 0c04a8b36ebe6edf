"""`tandem demo_setup` builds a practice a clinician can click through: conversations booked with
results in, packs sent, agendas in, and care plans from earlier years (made through the actions)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import F

from tandem.careplans.actions.written import PDF_JOB
from tandem.careplans.models import CarePlan, LocalService, PlanVersion
from tandem.careplans.rules.document import Plan
from tandem.core.models import Practice
from tandem.jobs.models import Job
from tandem.messaging.models import OutboxMessage
from tandem.prepare.models import Agenda, Conversation, Pack


@pytest.mark.django_db(transaction=True)
def test_the_demo_practice_has_clinics_packs_agendas_and_plans_with_history():
    out = io.StringIO()
    call_command("demo_setup", patients=800, seed=7, stdout=out)
    practice = Practice.objects.get(ods_code="Y90001")
    talks = Conversation.objects.filter(practice=practice, state="booked")
    assert talks.count() >= 20
    assert Pack.objects.filter(practice=practice).exists()
    sent = OutboxMessage.objects.filter(practice=practice, template="results_pack")
    assert sent.exists() and not sent.filter(state="queued").filter(channel="letter").exists()
    assert Agenda.objects.filter(practice=practice).count() >= 2
    assert LocalService.objects.filter(practice=practice).count() >= 5
    with_history = CarePlan.objects.filter(practice=practice, version__gte=2)
    assert with_history.count() >= 5
    plan = with_history.first()
    first, second = (Plan.from_dict(v.content) for v in PlanVersion.objects.filter(plan=plan).order_by("version")[:2])
    # last year's goals come back with how they went
    assert {g.id for g in first.goals} <= {g.id for g in second.goals}
    assert any(g.outcome or g.stage != "working_on" for g in second.goals if g.id in {x.id for x in first.goals})
    assert "Demo logins" in out.getvalue()
    # A working week of clinic sessions, a year ahead, with the HCA's week of leave; the board's staff
    # time comes from them.
    from tandem.clinics.models import ClinicSession, StaffLeave
    from tandem.recall import queries as recall_queries

    held = ClinicSession.objects.filter(practice=practice, cancelled="")
    assert held.filter(role="hca").count() > 200 and held.filter(role="gp").exists()
    assert ClinicSession.objects.filter(practice=practice, cancelled="leave").count() == 5
    assert StaffLeave.objects.filter(practice=practice).count() == 1
    from tandem.core import clock

    assert recall_queries.supply(practice, months=[clock.today().replace(day=1)]).from_sessions
    # The worker is left the PDFs of the plans the people coming in now hold, not of the versions they
    # replaced, nor of the two years of plans before (made when someone opens one).
    pdf_jobs = {job.params["version"] for job in Job.objects.filter(practice=practice, kind=PDF_JOB)}
    latest = set(PlanVersion.objects.filter(practice=practice, plan__version=F("version")).values_list("pk", flat=True))
    assert pdf_jobs and pdf_jobs <= latest
    assert len(pdf_jobs) <= talks.count() < len(latest)


@pytest.mark.django_db(transaction=True)
def test_the_demo_network_has_two_years_of_care_planning_to_learn_from():
    import datetime as dt

    from tandem.careplans.models import CopyGiven
    from tandem.core import clock
    from tandem.learn import series, spc
    from tandem.learn.models import PracticeChange
    from tandem.recall.models import Invitation, ReviewEvent
    from tandem.surveys.models import PersonAnswer, StaffRound

    call_command("demo_setup", patients=800, seed=7, stdout=io.StringIO())
    today = clock.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    first = (last - dt.timedelta(days=700)).replace(day=1)
    for practice in Practice.objects.filter(ods_code__in=["Y90001", "Y90002"]):
        months = series.monthly(practice, first=first, last=last)
        held = [n for _, n in months["conversations"]]
        assert sum(1 for n in held if n) >= 15, held  # care planning month after month, not in one burst
        assert Invitation.objects.filter(practice=practice).exists()
        assert ReviewEvent.objects.filter(practice=practice, kind="attended").exists()
        assert CopyGiven.objects.filter(practice=practice).exists()
        assert PersonAnswer.objects.filter(practice=practice).exists()
        assert StaffRound.objects.filter(practice=practice).exists()
        assert PracticeChange.objects.filter(practice=practice, what="Care planning started").exists()
        assert not OutboxMessage.objects.filter(practice=practice, state="queued",
                                                created_at__date__lt=today.replace(day=1)).exists()
    riverside = Practice.objects.get(ods_code="Y90001")
    copies = [n for _, n in series.monthly(riverside, first=first, last=last)["copies"]]
    # Printing the plan in the room shows on the chart as special cause
    assert any(p.special for p in spc.xmr(copies, direction="increase").points), copies

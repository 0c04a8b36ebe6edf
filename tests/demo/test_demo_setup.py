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
    # The worker is left the PDFs of the plans people hold now, not of the versions they replaced.
    pdf_jobs = Job.objects.filter(practice=practice, kind=PDF_JOB)
    latest = set(PlanVersion.objects.filter(practice=practice, plan__version=F("version")).values_list("pk", flat=True))
    assert pdf_jobs.count() == len(latest) == CarePlan.objects.filter(practice=practice).count()
    assert {job.params["version"] for job in pdf_jobs} == latest

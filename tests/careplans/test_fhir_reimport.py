"""Tandem's own care plan export can always be imported again, including a plan whose review date has
passed: an old plan is history, not a plan being typed in now."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from tandem.careplans import actions
from tandem.careplans.actions.fhir import import_plan
from tandem.careplans.fhir.bundle import document
from tandem.careplans.models import PlanVersion
from tandem.careplans.queries.fhir import export_source
from tandem.careplans.rules.document import Plan, Referral
from tandem.core import clock

LATER = dt.date(2028, 1, 10)  # after the plan's review date (10 June 2027)


@pytest.fixture
def old_plan(booked):
    u = booked
    plan = Plan(information="Leaflet on looking after your feet", review_date="2027-06-10",
                review_by="Practice nurse",
                referrals=(Referral(id="r1", what="Foot check", to_role="nurse", by_when="2026-07-14"),))
    actions.save_plan(patient=u.arthur, by=u.nurse, plan=plan, base_version=0)
    u.plan = plan
    return u


def _export(u) -> dict:
    return document(export_source(practice=u.practice, patient_id=u.arthur.pk, by=u.nurse))


def test_a_plan_whose_review_date_has_passed_is_imported_as_it_was(old_plan):
    bundle = _export(old_plan)
    with clock.frozen(LATER):
        saved = import_plan(practice=old_plan.practice, by=old_plan.manager, document=json.dumps(bundle))
    content = Plan.from_dict(saved.version.content)
    assert saved.version.version == 2
    assert content.review_date == "2027-06-10"
    assert content.referrals[0].by_when == "2026-07-14"


def test_the_downloaded_export_goes_back_in_through_the_command_years_later(old_plan, client, tmp_path, capsys):
    client.force_login(old_plan.nurse)
    response = client.get(reverse("careplans:fhir", args=[old_plan.arthur.pk]))
    assert response.status_code == 200
    path = tmp_path / "plan.json"
    path.write_bytes(response.content)
    with clock.frozen(LATER):
        call_command("import_careplan", str(path), "--practice", "A81001", "--user", "manager")
    assert "saved as version 2" in capsys.readouterr().out
    assert PlanVersion.objects.filter(patient=old_plan.arthur).count() == 2


def test_a_plan_typed_in_today_still_needs_a_review_date_after_today(old_plan):
    with clock.frozen(LATER), pytest.raises(actions.PlanError) as error:
        actions.save_plan(patient=old_plan.arthur, by=old_plan.nurse, plan=old_plan.plan, base_version=1)
    assert any(p.field == "review_date" for p in error.value.problems)


def test_an_imported_review_date_must_still_be_a_real_date(old_plan):
    bundle = _export(old_plan)
    careplan = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")
    review = next(a for a in careplan["activity"] if a.get("detail", {}).get("scheduledPeriod"))
    review["detail"]["scheduledPeriod"]["start"] = "2027-02-30"
    with pytest.raises(actions.PlanError):
        import_plan(practice=old_plan.practice, by=old_plan.manager, document=bundle)
    assert PlanVersion.objects.filter(patient=old_plan.arthur).count() == 1

"""Saving a plan: versions, conflicts, targets that override defaults, tasks, drafts."""

from __future__ import annotations

import pytest

from tandem.careplans import actions, queries
from tandem.careplans.models import PlanVersion, Task
from tandem.careplans.rules.document import Action, Goal, Plan, Referral, TargetAgreement
from tandem.patients.queries import personal_targets


def _plan(**more) -> Plan:
    goal = Goal(id="", words="Walk to my daughter's house without stopping", importance=9,
                actions=(Action(id="", what="Walk 10 minutes after lunch", when="every day", confidence=8),))
    return Plan(goals=(goal,), **more)


def test_each_save_is_a_new_version_and_the_old_ones_are_kept(booked):
    first = actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=_plan(), base_version=0).version
    second = actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=_plan(information="Leaflet on feet"),
                               base_version=1).version
    assert (first.version, second.version) == (1, 2)
    assert [v.version for v in queries.history(booked.practice, booked.arthur)] == [2, 1]
    assert queries.plan_of(first).information == ""
    with pytest.raises(PermissionError):
        PlanVersion.objects.filter(pk=first.pk).update(note="changed")


def test_a_second_clinician_saving_from_an_old_version_gets_a_conflict_and_nothing_is_lost(booked):
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=_plan(), base_version=0)
    with pytest.raises(actions.PlanConflict) as conflict:
        actions.save_plan(patient=booked.arthur, by=booked.manager, plan=_plan(information="Theirs"), base_version=0)
    assert conflict.value.current.version == 1
    assert PlanVersion.objects.count() == 1


def test_problems_are_reported_field_by_field_and_nothing_is_saved(booked):
    bad = Plan(goals=(Goal(id="", words="", importance=11,
                           actions=(Action(id="", what="Walk", who="carer", confidence=12),)),),
               targets=(TargetAgreement(concept="hba1c", upper=900),))
    with pytest.raises(actions.PlanError) as error:
        actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=bad, base_version=0)
    fields = {p.field for p in error.value.problems}
    assert {"goals.0.words", "goals.0.importance", "goals.0.actions.0.who_name", "goals.0.actions.0.confidence",
            "targets.0.upper"} <= fields
    assert not PlanVersion.objects.exists()


def test_agreed_targets_become_the_persons_own_and_dropping_one_ends_it(booked):
    actions.save_plan(patient=booked.arthur, by=booked.nurse, base_version=0,
                      plan=_plan(targets=(TargetAgreement(concept="hba1c", upper=53, reason="wants tighter"),)))
    assert personal_targets(booked.practice, [booked.arthur.pk])[booked.arthur.pk]["hba1c"].upper == 53
    actions.save_plan(patient=booked.arthur, by=booked.nurse, base_version=1, plan=_plan())
    assert booked.arthur.pk not in personal_targets(booked.practice, [booked.arthur.pk])


def test_a_referral_becomes_one_task_for_that_role(booked):
    plan = _plan(referrals=(Referral(id="", what="Review inhaler technique", to_role="pharmacist"),))
    saved = actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=plan, base_version=0)
    assert saved.tasks == 1
    again = queries.plan_of(saved.version)
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=again, base_version=1)
    assert Task.objects.filter(patient=booked.arthur, to_role="pharmacist").count() == 1


def test_autosave_keeps_a_draft_until_the_plan_is_saved(booked):
    actions.autosave(patient=booked.arthur, by=booked.nurse, content={"information": "half typed", "junk": 1},
                     base_version=0)
    draft = queries.draft(booked.practice, booked.arthur, booked.nurse)
    assert draft.content["information"] == "half typed" and "junk" not in draft.content
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=Plan.from_dict(draft.content), base_version=0)
    assert queries.draft(booked.practice, booked.arthur, booked.nurse) is None


def test_a_plan_round_trips_through_json():
    plan = _plan(targets=(TargetAgreement(concept="hba1c", upper=53),))
    assert Plan.from_dict(plan.as_dict()) == plan

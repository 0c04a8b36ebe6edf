"""A network lead sees NoMAD, continuity and hospital use side by side: each practice's latest closed staff
round per construct (nothing for fewer than 5), how often people saw their named clinician, and emergency
admissions and A&E attendances against what each practice's age and sex make-up would give. Small counts
hidden, nobody named, other groups not found, and the same number of queries however many practices.

The network (Riverside PCN) has three practices: Riverside Surgery and Hillview Medical Centre from the
shared fixtures, and Meadow Lane Surgery. People are on the type 2 diabetes register; the window is
1 June 2025 to 31 May 2026 (today is 15 June 2026)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.continuity import queries as continuity_queries
from tandem.core import actions as core_actions
from tandem.core import clock
from tandem.core.models import OrganisationGroup, User
from tandem.core.rules import Role
from tandem.learn import group_queries, rules
from tandem.patients import actions as patient_actions
from tandem.patients.models import Encounter, Patient
from tandem.registers import actions as register_actions
from tandem.surveys import actions as survey_actions
from tests.query_counts import queries_per_page
from tests.recall.conftest import code_for
from tests.registers import builders

pytestmark = pytest.mark.django_db
D = dt.date
IN_WINDOW = "2025-10-01"
AGREE = {"a1": "8", "a2": "7", "a3": "9", **{f"b{n}": "4" for n in range(1, 21)}, "b10": "2"}  # 4.0 each
STRONGLY = {**{f"b{n}": "5" for n in range(1, 21)}, "b10": "1"}  # 5.0 each


@pytest.fixture
def pcn(universe):
    u = universe
    u.pcn = OrganisationGroup.objects.create(code="U99999", name="Riverside PCN", kind="pcn")
    u.other = OrganisationGroup.objects.create(code="U88888", name="Other PCN", kind="pcn")
    for practice in (u.practice, u.other_practice):
        practice.group = u.pcn
        practice.save()
    u.lead = User.objects.create_user("pcnlead", password="correct-horse-battery")
    core_actions.make_group_lead(user=u.lead, group=u.pcn, by=None)
    u.other_lead = User.objects.create_user("otherlead", password="correct-horse-battery")
    core_actions.make_group_lead(user=u.other_lead, group=u.other, by=None)
    return u


def _meadow(u):
    return core_actions.create_practice(ods_code="C83003", name="Meadow Lane Surgery", by=None, group=u.pcn)


def _people(practice, n: int, *, born: str, admissions: int = 0, ae: int = 0, sex: str = "female") -> list[Patient]:
    """n people on the type 2 diabetes register; the first `admissions` each admitted once as an
    emergency in the window, the first `ae` each at A&E once."""
    made = []
    for i in range(n):
        events = [("diagnosis", code_for("diabetes_type2"), "2015-01-01")]
        if i < admissions:
            events.append(("emergency", IN_WINDOW))
        if i < ae:
            events.append(("ae", IN_WINDOW))
        made.append(builders.add_patient(practice, born, events, given="Zebedee", family=f"Quillfeather{i}",
                                         sex=sex))
    register_actions.refresh_practice(practice=practice, by=None)
    return made


def _round(practice, answers: list[dict], *, close: bool = True):
    opened = survey_actions.open_round(practice=practice, by=None, weeks=2)
    for i, given in enumerate(answers):
        staff = core_actions.add_staff(practice=practice, username=f"{practice.ods_code}-staff{opened.number}-{i}",
                                       role=Role.NURSE, by=None)
        survey_actions.record_staff_answer(practice=practice, by=staff, round_id=opened.pk, answers=given)
    if close:
        survey_actions.close_round(practice=practice, by=None, round_id=opened.pk, revision=opened.revision)
    return opened


def _named(practice, people: list[Patient], sequence: str) -> User:
    """Each person's named clinician is the practice's GP (A); each has contacts in `sequence`, one a week
    ending yesterday (A the GP, other letters imported practitioners)."""
    gp = core_actions.add_staff(practice=practice, username=f"{practice.ods_code}-gp", role=Role.GP, by=None)
    today = clock.today()
    for person in people:
        patient_actions.set_named_clinician(patient=person, by=None, clinician=gp)
        Encounter.objects.bulk_create(
            Encounter(practice=practice, patient=person, date=today - dt.timedelta(weeks=len(sequence) - i),
                      clinician=gp if c == "A" else None, clinician_ref="" if c == "A" else f"Practitioner/{c}")
            for i, c in enumerate(sequence))
    return gp


def _page(client, u) -> str:
    client.force_login(u.lead)
    response = client.get(f"/learn/groups/{u.pcn.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _csv(client, u) -> dict[str, dict[str, str]]:
    import csv
    import io

    client.force_login(u.lead)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/learn/groups/{u.pcn.pk}/table.csv").content.decode())))
    return {r["practice"]: r for r in rows}


# --- Hospital use ---------------------------------------------------------------------------------------


def test_a_practice_with_many_admissions_stands_out_and_small_counts_are_hidden(client, pcn):
    u = pcn
    meadow = _meadow(u)
    _people(u.practice, 30, born="1950-01-01", admissions=20, ae=6)
    _people(u.other_practice, 30, born="1950-01-01", admissions=2, ae=6)
    _people(meadow, 30, born="1950-01-01", admissions=8, ae=6)
    # 30 admissions among 90 people of the same age and sex: 10 expected at each practice.
    found = {o.key: o for o in group_queries.outcomes(group_queries.practices_in(u.pcn), first=D(2025, 6, 1),
                                                      last=D(2026, 5, 31))}
    riverside = found["emergency"].by_practice[u.practice.pk]
    assert (riverside.observed, riverside.expected) == (20, pytest.approx(10.0)) and riverside.ratio > 1
    assert found["ae"].by_practice[u.practice.pk].ratio == pytest.approx(1.0)
    table = _csv(client, u)
    assert [table["Riverside Surgery"][f"Emergency admissions: {c}"]
            for c in ("people on a register", "observed", "expected", "observed / expected")] == ["30", "20", "10.0", "2.00"]
    hillview = table["Hillview Medical Centre"]
    assert hillview["Emergency admissions: observed"] == "fewer than 5"
    assert hillview["Emergency admissions: observed / expected"] == "hidden"  # 0.20 would give away the 2
    page = _page(client, u)
    assert 'id="funnel-emergency-title"' in page and 'id="funnel-ae-title"' in page
    emergency = page[page.index('id="outcome-emergency"'):page.index('id="outcome-ae"')]
    assert "Left off the plot because their numbers are small: Hillview Medical Centre." in emergency
    assert "0.20" not in emergency and "0.80" in emergency and "2.00" in emergency


def test_a_ratio_outside_the_limits_is_said_in_words():
    """Ten practices near 1 and one with more than twice its expected admissions."""
    from tandem.learn import funnel, views_group
    from tandem.learn.standardise import Standardised

    units = [(n, o, 20.0) for n, o in enumerate((18, 19, 20, 21, 22, 20, 19, 21, 20, 22))] + [("far", 45, 20.0)]
    plot = {u.key: u for u in funnel.funnel(units, data_type="SR").units}
    far = views_group.outcome_cells(Standardised(observed=45, people=400, expected=20.0, ratio=2.25), plot["far"])
    assert far == {"people": "400", "observed": "45", "expected": "20.0", "ratio": "2.25",
                   "where": "Higher than expected (outside 99.8% limits)"}
    assert views_group.where(plot[0]) == "Within the limits"


def test_a_practice_of_older_people_is_not_marked_out_for_its_age(client, pcn):
    """Riverside's people are all over 80, Hillview's under 40: crude admission rates of 50% and 10%, but
    in each age band every practice has the same rate, so every ratio is 1."""
    u = pcn
    meadow = _meadow(u)
    _people(u.practice, 20, born="1940-01-01", admissions=10)
    _people(u.other_practice, 50, born="1995-01-01", admissions=5)
    _people(meadow, 20, born="1940-01-01", admissions=10)
    _people(meadow, 50, born="1995-01-01", admissions=5)
    table = _csv(client, u)
    assert {name: row["Emergency admissions: observed / expected"] for name, row in table.items()} == {
        "Riverside Surgery": "1.00", "Hillview Medical Centre": "1.00", "Meadow Lane Surgery": "1.00"}
    assert table["Riverside Surgery"]["Emergency admissions: expected"] == "10.0"
    assert table["Hillview Medical Centre"]["Emergency admissions: expected"] == "5.0"


def test_none_is_shown_but_not_plotted_and_a_few_are_hidden():
    from tandem.learn import views_group
    from tandem.learn.standardise import Standardised

    none = Standardised(observed=0, people=30, expected=6.0, ratio=0.0)
    few = Standardised(observed=3, people=30, expected=6.0, ratio=0.5)
    assert views_group.outcome_cells(none, None)["ratio"] == "0.00" and not views_group.ratio_plottable(none)
    assert {k: views_group.outcome_cells(few, None)[k] for k in ("observed", "ratio")} == {
        "observed": "fewer than 5", "ratio": "hidden"}
    # Of 30 people with a result, 27 in target: the 3 not in target would be 30 - 27.
    most = Standardised(observed=27, people=30, expected=20.0, ratio=1.35)
    assert views_group.outcome_cells(most, None, of_people=True)["observed"] == "hidden"
    assert views_group.outcome_cells(most, None)["observed"] == "27"  # events, not people: nothing to work out


def test_only_people_on_a_register_and_events_in_the_window_count(pcn):
    u = pcn
    people = _people(u.practice, 10, born="1950-01-01", admissions=6)
    builders.add_patient(u.practice, "1950-01-01", [("emergency", IN_WINDOW)], given="Zebedee", family="Unlisted")
    builders.add_events(people[-1], [("emergency", "2025-05-31"), ("emergency", "2026-06-01"), ("elective", IN_WINDOW)])
    found = group_queries.outcomes([u.practice], first=D(2025, 6, 1), last=D(2026, 5, 31))[0]
    assert (found.by_practice[u.practice.pk].observed, found.by_practice[u.practice.pk].people) == (6, 10)


# --- NoMAD --------------------------------------------------------------------------------------------


def test_nomad_shows_each_practices_latest_closed_round_and_nothing_for_fewer_than_5(client, pcn):
    u = pcn
    meadow = _meadow(u)
    _round(u.practice, [AGREE] * 5)
    _round(u.practice, [STRONGLY] * 6)
    _round(u.practice, [AGREE] * 5, close=False)  # still open: not shown
    _round(u.other_practice, [STRONGLY] * 4)
    found = group_queries.nomad([u.practice, u.other_practice, meadow], today=clock.today())
    assert found[u.practice.pk].number == 2 and found[u.practice.pk].report.scales["coherence"].value == 5.0
    assert meadow.pk not in found
    page = _page(client, u)
    nomad = page[page.index('id="nomad"'):page.index('id="continuity"')]
    assert "Round 2, ended 15 June 2026" in nomad and "5.0" in nomad and "4.0" not in nomad
    hillview = nomad[nomad.index("Hillview Medical Centre"):nomad.index("Meadow Lane Surgery")]
    assert "fewer than 5 responses" in hillview and "5.0" not in hillview
    assert "No closed round yet" in nomad[nomad.index("Meadow Lane Surgery"):]
    table = _csv(client, u)
    assert table["Riverside Surgery"]["NoMAD Reflexive monitoring (1 to 5)"] == "5.0"
    assert table["Riverside Surgery"]["NoMAD staff who answered"] == "6"


# --- Continuity -----------------------------------------------------------------------------------------


def test_continuity_across_practices_is_each_practices_own_figure(pcn):
    u = pcn
    riverside = _people(u.practice, 8, born="1950-01-01")
    hillview = _people(u.other_practice, 6, born="1950-01-01")
    _named(u.practice, riverside[:5], "AABA")
    _named(u.other_practice, hillview[:2], "ABCA")
    Encounter.objects.bulk_create(  # no named clinician: not in the share
        Encounter(practice=u.practice, patient=p, date=clock.today() - dt.timedelta(days=d),
                  clinician_ref=f"Practitioner/{ref}") for p in riverside[5:] for d, ref in ((3, "X"), (9, "X"), (20, "Y")))
    Encounter.objects.bulk_create([  # not counted: missed, booked, or before the two years
        Encounter(practice=u.practice, patient=riverside[0], date=clock.today() - dt.timedelta(days=4), status="dna",
                  clinician_ref="Practitioner/B"),
        Encounter(practice=u.practice, patient=riverside[0], date=D(2024, 6, 15), clinician_ref="Practitioner/B")])
    across = continuity_queries.across_practices([u.practice.pk, u.other_practice.pk], today=clock.today())
    for practice in (u.practice, u.other_practice):
        own = continuity_queries.practice_continuity(practice, today=clock.today())
        assert across.named[practice.pk] == own.named
    assert across.named[u.practice.pk].share == 0.75 and across.named[u.other_practice.pk].people == 2


def test_the_page_shows_the_share_with_the_named_clinician_and_hides_small_numbers(client, pcn):
    u = pcn
    meadow = _meadow(u)
    _named(u.practice, _people(u.practice, 5, born="1950-01-01"), "AABA")  # 15 of 20: 75%
    _named(meadow, _people(meadow, 6, born="1950-01-01"), "AAAB")  # 18 of 24
    _named(u.other_practice, _people(u.other_practice, 2, born="1950-01-01"), "AAAA")
    page = _page(client, u)
    continuity = page[page.index('id="continuity"'):page.index('id="outcomes"')]
    assert 'id="funnel-named-title"' in continuity and "75%" in continuity
    assert "Left off the plot because their numbers are small: Hillview Medical Centre." in continuity
    table = _csv(client, u)
    assert table["Riverside Surgery"]["% of contacts with the named clinician"] == "75%"
    assert table["Hillview Medical Centre"]["people with a named clinician"] == "fewer than 5"
    assert table["Hillview Medical Centre"]["% of contacts with the named clinician"] == "hidden"


# --- The page as a whole --------------------------------------------------------------------------------


def _everything(u, practice, *, admissions: int):
    people = _people(practice, 12, born="1950-01-01", admissions=admissions, ae=6)
    _named(practice, people[:6], "AABA")
    _round(practice, [AGREE] * 5)
    return people


def test_nobody_is_named_and_the_lead_of_another_network_finds_nothing(client, pcn):
    u = pcn
    people = _everything(u, u.practice, admissions=8) + _everything(u, u.other_practice, admissions=6)
    page = _page(client, u)
    csv_text = client.get(f"/learn/groups/{u.pcn.pk}/table.csv").content.decode()
    for person in [*people, u.patient, u.foreign_patient]:
        for text in (person.family_name, person.nhs_number, person.given_name):
            assert text not in page and text not in csv_text
    assert re.search(r"Margaret|Okafor|Brian|Hollis", page) is None
    client.force_login(u.other_lead)
    assert client.get(f"/learn/groups/{u.pcn.pk}/").status_code == 404
    assert client.get(f"/learn/groups/{u.pcn.pk}/table.csv").status_code == 404


def test_the_page_makes_as_many_queries_for_three_practices_as_for_two(client, pcn):
    u = pcn
    _everything(u, u.practice, admissions=8)
    _everything(u, u.other_practice, admissions=6)
    client.force_login(u.lead)
    urls = {"page": f"/learn/groups/{u.pcn.pk}/", "csv": f"/learn/groups/{u.pcn.pk}/table.csv"}
    two = queries_per_page(client, urls)
    _everything(u, _meadow(u), admissions=7)
    three = queries_per_page(client, urls)
    assert three == two
    # the session, the user and the lead's checks (5), the practices (1), the cycle (6), NoMAD (2), continuity (2:
    # the nightly figures, none yet, so counted now), hospital use (2), HbA1c in target (1) and the audit row (1)
    assert two == {"page": 20, "csv": 20}
    from tandem.continuity import actions as continuity_actions
    from tandem.core.models import Practice

    for practice in Practice.objects.all():  # as the worker does each night: then one read of the kept figures
        continuity_actions.record_named_continuity(practice=practice, by=None)
    assert queries_per_page(client, urls) == {"page": 19, "csv": 19}


# --- HbA1c in target ------------------------------------------------------------------------------------

# (register, frail, HbA1c results (day, mmol/mol), own targets (upper, agreed on, ended on), counted: in target?)
# The window is 1 June 2025 to 31 May 2026; the target is the one that applied on 31 May 2026. Each person
# counted is alone in their age band and sex, so the database's count for that stratum is their answer.
HBA1C = [
    ("diabetes_type2", False, [("2026-03-01", 50)], [], True),  # the default, 58
    ("diabetes_type2", False, [("2026-03-01", 62)], [], False),
    ("diabetes_type2", True, [("2026-03-01", 62)], [], True),  # moderate frailty: 75
    ("diabetes_type2", True, [("2026-03-01", 80)], [], False),
    ("diabetes_type1", False, [("2026-03-01", 58)], [], True),  # on the limit is in target
    ("diabetes_type2", False, [("2026-03-01", 62)], [(65, "2025-09-01", None)], True),  # their own, 65
    ("diabetes_type2", False, [("2026-03-01", 55)], [(53, "2025-09-01", None)], False),  # own 53, not the default
    ("diabetes_type2", True, [("2026-03-01", 70)], [(53, "2025-09-01", None)], False),  # own beats frailty too
    ("diabetes_type2", False, [("2026-03-01", 62)], [(65, "2025-09-01", "2026-01-01")], False),  # ended: default
    ("diabetes_type2", False, [("2026-03-01", 62)], [(65, "2026-06-10", None)], False),  # agreed after the window
    ("diabetes_type2", False, [("2025-08-01", 70), ("2026-03-01", 50)], [], True),  # the last result
    ("diabetes_type2", False, [("2026-03-01", 70), ("2026-03-01", 55)], [], True),  # the lowest that day
    ("diabetes_type2", False, [("2025-05-31", 50), ("2026-06-02", 50)], [], None),  # none in the window
    ("hypertension", False, [("2026-03-01", 50)], [], None),  # not on the diabetes register
]
STRATA = [*((born, sex) for born in ("1995-01-01", "1980-01-01", "1970-01-01", "1960-01-01", "1950-01-01",
                                     "1940-01-01") for sex in ("female", "male")),
          ("1950-01-01", "other"), ("1960-01-01", "other")]  # the adult bands: the registers are for 17 and over


def test_hba1c_in_target_is_the_one_home_for_targets_answer(pcn):
    from tandem.patients.rules import Target, TargetInputs, applicable_target
    from tandem.registers.models import PatientRisk

    u = pcn
    last = D(2026, 5, 31)
    made = []
    for i, (register, _frail, results, _own, _counted) in enumerate(HBA1C):
        born, sex = STRATA[i]
        events = [("diagnosis", code_for(register), "2005-01-01"),
                  *[("observation", "hba1c", day, value) for day, value in results]]
        made.append(builders.add_patient(u.practice, born, events, given="Zebedee", family=f"Hba{i}", sex=sex))
    register_actions.refresh_practice(practice=u.practice, by=None)
    for person, (_register, frail, _results, own, _counted) in zip(made, HBA1C, strict=True):
        if frail:
            PatientRisk.objects.filter(patient=person).update(frailty="moderate")
        for upper, agreed, ended in own:
            target = patient_actions.agree_target(patient=person, by=None, concept="hba1c", upper=upper,
                                                  agreed_on=D.fromisoformat(agreed))
            if ended:
                patient_actions.end_target(target=target, by=None, ended_on=D.fromisoformat(ended))
    people, in_target = group_queries.hba1c_counts([u.practice.pk], first=D(2025, 6, 1), last=last)
    for i, (register, frail, results, own, counted) in enumerate(HBA1C):
        born, sex = STRATA[i]
        stratum = (rules.age_band(rules.age_on(D.fromisoformat(born), last)), sex)
        if counted is None:
            assert stratum not in people[u.practice.pk]
            continue
        # The table agrees with applicable_target ...
        in_window = [(day, value) for day, value in results if "2025-06-01" <= day <= "2026-05-31"]
        value = min(v for d, v in in_window if d == max(d for d, _ in in_window))
        current = [upper for upper, agreed, ended in own
                   if D.fromisoformat(agreed) <= last and (ended is None or D.fromisoformat(ended) > last)]
        personal = {"hba1c": Target("hba1c", current[0], None, personal=True)} if current else {}
        target = applicable_target("hba1c", TargetInputs.of(age=rules.age_on(D.fromisoformat(born), last),
                                                            registers={register}, frail=frail, personal=personal))
        assert target.met_by(value) is counted, HBA1C[i]
        # ... and so does the database, person by person.
        assert (people[u.practice.pk][stratum], in_target[u.practice.pk].get(stratum, 0)) == (1, int(counted)), HBA1C[i]


def test_hba1c_in_target_hides_a_small_number_out_of_target(client, pcn):
    """Riverside: 30 people with a result, 27 in target. The 3 out of target would be 30 - 27, so the 27 is
    hidden too, and the practice has no ratio."""
    u = pcn
    meadow = _meadow(u)
    for practice, in_target in ((u.practice, 27), (u.other_practice, 15), (meadow, 20)):
        for i in range(30):
            builders.add_patient(practice, "1950-01-01", [
                ("diagnosis", code_for("diabetes_type2"), "2015-01-01"),
                ("observation", "hba1c", "2026-03-01", 50 if i < in_target else 70)], given="Zebedee", family=f"H{i}")
        register_actions.refresh_practice(practice=practice, by=None)
    table = _csv(client, u)
    riverside = table["Riverside Surgery"]
    assert riverside["HbA1c in target: people on the diabetes register with a result"] == "30"
    assert riverside["HbA1c in target: observed"] == "hidden"
    assert riverside["HbA1c in target: observed / expected"] == "hidden"
    # 62 of 90 in target in the group: Meadow Lane expected 30 x 62 / 90
    assert table["Meadow Lane Surgery"]["HbA1c in target: expected"] == "20.7"
    assert table["Meadow Lane Surgery"]["HbA1c in target: observed / expected"] == f"{20 / (30 * 62 / 90):.2f}"

"""`tandem extract`: an evaluation project's de-identified population extract as Parquet, partitioned by practice.

The world (built through the actions): Riverside (A81001) and Hillview (B82002) in Riverside PCN, led by Ruth.
    Margaret (Riverside)  type 2 diabetes and one code no rule reads; a regular medicine; an attended home visit,
                          a surgery visit and a missed one; an emergency admission after a fall and an A&E visit
                          for chest pain; HbA1c and weight; a personal HbA1c target; her carer Sarah Brooke.
    Len (Riverside)       left the practice; nothing else.
    Brian (Hillview)      nothing but his record.
The care planning cycle is tests/learn/test_funnel_counts.py's `cycle` (tests/prepare/conftest.py's people).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.models import AuditEvent
from tandem.learn import export_rules
from tandem.population import extract, schema
from tandem.population.arrow import arrow_schema
from tests.learn.test_funnel_counts import cycle  # noqa: F401
from tests.prepare.conftest import booked, planned, recall  # noqa: F401
from tests.recall.conftest import code_for

D = dt.date
RIVERSIDE, HILLVIEW = "A81001", "B82002"
NOT_A_RULE_CODE = "1234567019"  # digits, so a SNOMED CT id in form, but in no register or feature codelist


@pytest.fixture
def world(universe):
    from tandem.core import actions as core_actions
    from tandem.core.models import OrganisationGroup, User
    from tandem.core.rules import Role
    from tandem.learn import actions as learn_actions
    from tandem.patients import actions
    from tandem.patients.models import Patient

    u = universe
    u.manager = core_actions.add_staff(practice=u.practice, username="manager", role=Role.MANAGER, by=None,
                                       first_name="Sam", last_name="Patel")
    u.other_manager = core_actions.add_staff(practice=u.other_practice, username="othermanager",
                                             role=Role.MANAGER, by=None)
    u.pcn = OrganisationGroup.objects.create(code="U99999", name="Riverside PCN", kind="pcn")
    for practice in (u.practice, u.other_practice):
        practice.group = u.pcn
        practice.save(update_fields=["group"])
    u.lead = User.objects.create_user("pcnlead", first_name="Ruth", last_name="Amadi")
    core_actions.make_group_lead(user=u.lead, group=u.pcn, by=None)

    m = u.patient
    actions.record_condition(patient=m, by=None, code=code_for("diabetes_type2"), onset_date=D(2015, 1, 1))
    actions.record_condition(patient=m, by=None, code=NOT_A_RULE_CODE, onset_date=D(2016, 1, 1),
                             term="Private words about Margaret")
    actions.record_medication(patient=m, by=None, name="Metformin 500mg tablets", start_date=D(2020, 1, 1),
                              dmd_code=" 325278007 ", dose="One twice a day")
    actions.record_encounter(patient=m, by=None, date=D(2026, 2, 1), kind="home_visit", reason="Leg ulcer")
    actions.record_encounter(patient=m, by=None, date=D(2026, 3, 1))
    actions.record_encounter(patient=m, by=None, date=D(2026, 4, 1), status="dna")
    actions.record_hospital_event(patient=m, by=None, kind="emergency", start_date=D(2026, 1, 5),
                                  reason="Fall at home, fractured wrist")
    actions.record_hospital_event(patient=m, by=None, kind="ae", start_date=D(2026, 5, 9), reason="Chest pain")
    actions.record_observation(patient=m, by=None, concept="hba1c", effective_date=D(2026, 1, 10), value=55)
    actions.record_observation(patient=m, by=None, concept="weight", effective_date=D(2026, 1, 10), value=70)
    actions.agree_target(patient=m, by=None, concept="hba1c", upper=58, agreed_on=D(2026, 1, 10))
    actions.add_related_person(patient=m, by=None, name="Sarah Brooke", relationship="child", is_carer=True,
                               phone="07700 900123")
    u.len = actions.register_patient(practice=u.practice, by=None, nhs_number="9990000336", given_name="Len",
                                     family_name="Ashworth", date_of_birth=D(1939, 11, 30), sex="male",
                                     postcode="LS6 2QQ")
    Patient.objects.filter(pk=u.len.pk).update(registration_status="left")  # no review to keep in step
    u.project = learn_actions.create_project(by=u.manager, name="Riverside evaluation", purpose="Leeds evaluation",
                                             practice=u.practice)
    u.group_project = learn_actions.create_project(by=u.lead, name="PCN evaluation", purpose="ICB evaluation",
                                                   group=u.pcn)
    return u


def run(project, user, out: Path, practice: str = "") -> str:
    from io import StringIO

    printed = StringIO()
    call_command("extract", project=str(project.pk), user=user.username, out=str(out), practice=practice,
                 stdout=printed)
    return printed.getvalue()


def read(out: Path, name: str, practice: str) -> list[dict]:
    return pq.read_table(out / name / f"practice={practice}" / "part-0.parquet").to_pylist()


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


# --- What is written --------------------------------------------------------------------------------------

def test_a_group_project_writes_every_table_for_each_of_its_practices_with_the_exact_schema(world, tmp_path):
    out = tmp_path / "extract"
    printed = run(world.group_project, world.lead, out)
    expected = {Path(t) / f"practice={p}" / "part-0.parquet" for t in schema.TABLE_NAMES for p in (RIVERSIDE, HILLVIEW)}
    assert {p.relative_to(out) for p in files_under(out)} == expected | {Path("README.md"), Path("data_dictionary.md")}
    for name in schema.TABLE_NAMES:
        for practice in (RIVERSIDE, HILLVIEW):
            written = pq.read_schema(out / name / f"practice={practice}" / "part-0.parquet")
            assert written.remove_metadata() == arrow_schema(name, with_practice=False), (name, practice)
            assert [f.nullable for f in written] == [f.nullable for f in arrow_schema(name, with_practice=False)]
    assert len(read(out, "patient", HILLVIEW)) == 1 and read(out, "condition", HILLVIEW) == []  # zero-row file
    # read as one Hive-partitioned table, the practice comes back from the folder names
    whole = pq.read_table(out / "patient").to_pydict()
    assert sorted(str(p) for p in whole["practice"]) == [RIVERSIDE, RIVERSIDE, HILLVIEW]
    assert (out / "data_dictionary.md").read_text() == schema.dictionary_markdown()
    readme = (out / "README.md").read_text()
    assert "PCN evaluation" in readme and "Ruth Amadi" in readme and "Extract schema version: 1" in readme
    assert "Riverside Surgery (A81001)" in readme and "Hillview Medical Centre (B82002)" in readme
    assert extract.PERSON_KEY_RULE in readme and extract.BIRTH_MONTH_RULE in readme
    assert "| table | B82002 | A81001 | all |" in readme  # practices by name, as the project lists them
    assert "| `patient` | 1 | 2 | 3 |" in readme and "| `condition` | 0 | 1 | 1 |" in readme
    assert "B82002, A81001" in printed and str(out) in printed and re.search(r"patient\s+3 rows", printed)


def test_people_are_keyed_by_their_project_pseudonym_and_nothing_identifies_them(world, tmp_path):
    u = world
    out = tmp_path / "extract"
    run(u.group_project, u.lead, out)
    people = {r["person"] for r in read(out, "patient", RIVERSIDE)}
    assert people == {schema.person_key(export_rules.pseudonym(u.group_project.key, p.pk)) for p in (u.patient, u.len)}
    assert {r["person"] for r in read(out, "patient", HILLVIEW)} == {
        schema.person_key(export_rules.pseudonym(u.group_project.key, u.foreign_patient.pk))}
    for name in ("condition", "medication", "appointment", "hospital_event", "observation", "personal_target"):
        assert {r["person"] for r in read(out, name, RIVERSIDE)} == {
            schema.person_key(export_rules.pseudonym(u.group_project.key, u.patient.pk))}, name
    # another project gives other keys
    other = tmp_path / "other"
    run(u.project, u.manager, other)
    assert not people & {r["person"] for r in read(other, "patient", RIVERSIDE)}

    text = b"".join(p.read_bytes() for p in files_under(out)).decode("latin-1")
    text += repr([pq.read_table(p).to_pylist() for p in files_under(out) if p.suffix == ".parquet"])
    for patient in (u.patient, u.len, u.foreign_patient):
        spaced = f"{patient.nhs_number[:3]} {patient.nhs_number[3:6]} {patient.nhs_number[6:]}"
        for identifier in (patient.given_name, patient.family_name, patient.nhs_number, spaced,
                           patient.date_of_birth.isoformat(), patient.postcode):
            if identifier:
                assert identifier not in text, identifier
    for words in ("Sarah Brooke", "07700", "Fall at home", "Chest pain", "Leg ulcer", "Metformin", "Private words",
                  "One twice a day", "LS1 4AB", "LS6 2QQ"):
        assert words not in text, words


def test_only_what_the_rules_read_is_extracted(world, tmp_path):
    u = world
    out = tmp_path / "extract"
    run(u.project, u.manager, out)
    key = schema.person_key(export_rules.pseudonym(u.project.key, u.patient.pk))
    len_key = schema.person_key(export_rules.pseudonym(u.project.key, u.len.pk))
    patients = {r["person"]: r for r in read(out, "patient", RIVERSIDE)}
    assert patients[key] == {"person": key, "birth_date": D(1948, 3, 1), "sex": "female", "imd_decile": None,
                             "ethnicity": "", "registered": True, "has_carer": True}
    assert patients[len_key]["birth_date"] == D(1939, 11, 1)
    assert (patients[len_key]["registered"], patients[len_key]["has_carer"]) == (False, False)
    assert read(out, "condition", RIVERSIDE) == [
        {"person": key, "code": code_for("diabetes_type2"), "onset_date": D(2015, 1, 1), "resolved_date": None}]
    assert read(out, "medication", RIVERSIDE) == [{"person": key, "dmd_code": "325278007", "active": True,
                                                   "regular": True, "start_date": D(2020, 1, 1), "end_date": None}]
    assert sorted((r["on_date"], r["home_visit"]) for r in read(out, "appointment", RIVERSIDE)) == [
        (D(2026, 2, 1), True), (D(2026, 3, 1), False)]  # the missed one is not there
    assert sorted((r["kind"], r["start_date"], r["fall"]) for r in read(out, "hospital_event", RIVERSIDE)) == [
        ("ae", D(2026, 5, 9), False), ("emergency", D(2026, 1, 5), True)]
    assert read(out, "observation", RIVERSIDE) == [
        {"person": key, "concept": "hba1c", "on_date": D(2026, 1, 10), "value": 55.0}]  # weight is not read
    assert read(out, "personal_target", RIVERSIDE) == [{"person": key, "concept": "hba1c", "upper": 58.0,
                                                        "lower": None, "agreed_on": D(2026, 1, 10), "ended_on": None}]
    assert read(out, "care_event", RIVERSIDE) == []


def test_the_condition_codes_are_the_rules_codes():
    from tandem.registers.rules.registers import register_rules
    from tandem.registers.rules.risk import feature_slugs
    from tandem.terminology import codelists

    codes = set(extract._rule_codes())
    assert NOT_A_RULE_CODE not in codes
    for rule in register_rules():
        assert rule.diagnosis_codes | rule.resolution_codes | rule.marker_codes <= codes, rule.slug
    for slug in feature_slugs():
        assert codelists.get(slug).codes <= codes, slug


STEP_EVENTS = {  # funnel step -> the care_event kinds that reach it, and whether they are dated by year or day
    "due": (("review_due",), "year"),
    "invited": (("invited",), "year"),
    "tests_done": (("tests_attended",), "year"),
    "pack_sent": (("pack_sent",), "year"),
    "agenda": (("agenda_returned",), "year"),
    "held": (("plan_saved",), "day"),
    "agreed": (("plan_agreed",), "day"),
    "copy": (("copy_given",), "day"),
    "checkin": (("checkin_answered",), "day"),
}


def test_care_events_count_the_same_people_as_the_learn_funnel(cycle, tmp_path):  # noqa: F811
    from tandem.learn import actions as learn_actions
    from tandem.learn import funnel_queries
    from tandem.recall.rules.dates import review_year_end, review_year_start

    u = cycle
    project = learn_actions.create_project(by=u.manager, name="Riverside", purpose="Funnel", practice=u.practice)
    out = tmp_path / "extract"
    run(project, u.manager, out)
    events = read(out, "care_event", RIVERSIDE)
    assert {e["kind"] for e in events} <= set(schema.CARE_EVENTS)
    for e in events:  # dated as CARE_EVENTS says
        dating = schema.CARE_EVENTS[e["kind"]][0]
        assert (e["review_year"] is not None, e["on_date"] is not None) == (dating != "day", dating != "year"), e
    year = 2026
    first, last = review_year_start(year), review_year_end(year)

    def people(kinds, dated):
        return {e["person"] for e in events if e["kind"] in kinds
                and (e["review_year"] == year if dated == "year" else first <= e["on_date"] <= last)}

    funnel = {s.key: s.count for s in funnel_queries.funnel(u.practice, year=year)}
    got = {step: len(people(kinds, dated)) for step, (kinds, dated) in STEP_EVENTS.items()}
    got["held"] = len(people(("plan_saved",), "day") | {  # a conversation: of this year's review, held in the year
        e["person"] for e in events if e["kind"] == "conversation_held" and e["review_year"] == year
        and first <= e["on_date"] <= last})
    assert got == {step: funnel[step] for step in STEP_EVENTS}
    assert got == {"due": 6, "invited": 4, "tests_done": 2, "pack_sent": 2, "agenda": 1, "held": 2, "agreed": 1,
                   "copy": 1, "checkin": 1}
    beatrice = schema.person_key(export_rules.pseudonym(project.key, u.beatrice.pk))
    assert {(e["kind"], e["on_date"]) for e in events if e["person"] == beatrice and e["on_date"]} >= {
        ("plan_saved", D(2026, 6, 24)), ("plan_agreed", D(2026, 6, 24)), ("copy_given", D(2026, 6, 24)),
        ("checkin_answered", D(2026, 6, 24))}
    assert not any(e["review_year"] == 2025 for e in events)


# --- Who may, and where --------------------------------------------------------------------------------------

def test_practice_narrows_a_group_project_to_one_of_its_practices(world, tmp_path):
    out = tmp_path / "extract"
    run(world.group_project, world.lead, out, practice="b82002")
    assert {p.parent.name for p in files_under(out) if p.suffix == ".parquet"} == {f"practice={HILLVIEW}"}
    assert AuditEvent.objects.get(what=extract.AUDIT_WHAT).detail["practices"] == [HILLVIEW]


@pytest.mark.parametrize(("who", "project", "practice", "message"), [
    ("manager", "project", "B82002", "B82002 is not one of evaluation project"),
    ("manager", "project", "Z99999", "There is no practice with the ODS code 'Z99999'"),
    ("nurse", "project", "", "nurse may not use evaluation project"),
    ("admin", "project", "", "admin may not use evaluation project"),
    ("other_manager", "project", "", "othermanager may not use evaluation project"),
    ("manager", "group_project", "", "manager may not use evaluation project"),  # a member, not a lead
    ("lead", "project", "", "pcnlead may not use evaluation project"),  # leads the group, not the practice
])
def test_a_user_or_practice_outside_the_project_is_refused_and_nothing_is_written(world, tmp_path, who, project,
                                                                                 practice, message):
    out = tmp_path / "extract"
    with pytest.raises(CommandError, match=re.escape(message)):
        run(getattr(world, project), getattr(world, who), out, practice=practice)
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(what=extract.AUDIT_WHAT).exists()


def test_unknown_projects_and_users_and_inactive_users_are_refused(world, tmp_path):
    out = tmp_path / "extract"
    with pytest.raises(CommandError, match="There is no evaluation project 999999"):
        call_command("extract", project="999999", user="manager", out=str(out))
    with pytest.raises(CommandError, match="must be an evaluation project's number"):
        call_command("extract", project="first", user="manager", out=str(out))
    with pytest.raises(CommandError, match="There is no user called 'nobody'"):
        call_command("extract", project=str(world.project.pk), user="nobody", out=str(out))
    world.manager.is_active = False
    world.manager.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="cannot sign in"):
        run(world.project, world.manager, out)
    assert list(tmp_path.iterdir()) == []


def test_a_destination_that_is_not_empty_is_refused_and_left_as_it_was(world, tmp_path):
    out = tmp_path / "extract"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="already exists and is not empty"):
        run(world.project, world.manager, out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and (out / "notes.txt").read_text() == "mine"
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(CommandError, match="already exists and is not a folder"):
        run(world.project, world.manager, tmp_path / "a-file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "extract"]
    empty = tmp_path / "empty"
    empty.mkdir()
    run(world.project, world.manager, empty)  # an empty folder is fine
    assert (empty / "README.md").exists()


def test_a_failure_part_way_leaves_nothing_behind_and_audits_nothing(world, tmp_path, monkeypatch):
    def broken(practice_id):
        yield from ()
        raise RuntimeError("the database went away")

    monkeypatch.setitem(extract.SOURCES, "observation", broken)
    out = tmp_path / "extract"
    with pytest.raises(RuntimeError, match="went away"):
        run(world.project, world.manager, out)
    assert list(tmp_path.iterdir()) == []  # neither the destination nor the folder it was being written in
    assert not AuditEvent.objects.filter(what=extract.AUDIT_WHAT).exists()


def test_each_extract_is_audited_once_with_who_the_project_the_practices_and_how_many_people(world, tmp_path):
    u = world
    run(u.group_project, u.lead, tmp_path / "one")
    event = AuditEvent.objects.get(what=extract.AUDIT_WHAT)
    assert (event.action, event.user, event.practice, event.patient_id, event.object_id) == (
        "export", u.lead, None, None, str(u.group_project.pk))
    assert event.detail == {"project": u.group_project.pk, "practices": [HILLVIEW, RIVERSIDE], "people": 3,
                            "group": u.pcn.pk}
    run(u.project, u.manager, tmp_path / "two")
    assert AuditEvent.objects.filter(what=extract.AUDIT_WHAT).count() == 2
    event = AuditEvent.objects.filter(what=extract.AUDIT_WHAT).latest("pk")
    assert (event.user, event.practice, event.detail) == (
        u.manager, u.practice, {"project": u.project.pk, "practices": [RIVERSIDE], "people": 2})


def test_the_number_of_queries_does_not_grow_with_the_number_of_people(world, tmp_path, monkeypatch):
    from tandem.patients import actions

    u = world
    monkeypatch.setattr(extract, "CHUNK", 3)  # several chunks per table
    monkeypatch.setattr(extract, "BATCH", 4)  # and several record batches

    def count(out) -> int:
        with CaptureQueriesContext(connection) as queries:
            run(u.project, u.manager, out)
        return len(queries)

    before = count(tmp_path / "before")
    for n in range(12):
        p = _numbered(u.practice, n)
        actions.record_condition(patient=p, by=None, code=code_for("asthma"), onset_date=D(2015, 1, 1))
        actions.record_observation(patient=p, by=None, concept="hba1c", effective_date=D(2026, 1, 10), value=50 + n)
        actions.record_encounter(patient=p, by=None, date=D(2026, 3, 1))
    after = count(tmp_path / "after")
    assert len(read(tmp_path / "after", "patient", RIVERSIDE)) == 14
    assert len(read(tmp_path / "after", "observation", RIVERSIDE)) == 13
    assert pq.ParquetFile(tmp_path / "after" / "patient" / f"practice={RIVERSIDE}" / "part-0.parquet").num_row_groups == 4
    assert after == before


def _numbered(practice, n: int):
    from tandem.patients import actions
    from tandem.patients.rules import nhs_check_digit

    while True:
        first = f"{999_300_000 + n * 10:09d}"
        digit = nhs_check_digit(first)
        if digit is not None:
            break
        n += 1000
    return actions.register_patient(practice=practice, by=None, nhs_number=first + str(digit),
                                    given_name=f"Given{n}", family_name=f"Family{n}", date_of_birth=D(1950, 1, 1),
                                    sex="female")

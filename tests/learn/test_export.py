"""Data for evaluators: de-identified, person-level data for an evaluation project, as CSV or Parquet in a ZIP
with its data dictionary and README; every download recorded with its purpose and audited.

Riverside's register (type 2 diabetes), built through the actions, all born in 1960 (60 to 69 on 15 June 2026):
    6 women, ethnicity and deprivation not recorded: a combination of 6, shown as it is.
    5 women each with another ethnic group or IMD decile: alone in their combinations, so their ethnic group
      and IMD quintile are "suppressed"; as (60 to 69, female) they are 5, and kept.
    1 man: alone however much is suppressed, so left out.
The first of the 6 women was care planned on 1 June 2025 (HbA1c 70 before, 55 after; a copy given on 10 June
2025) and answered a check-in. Margaret (no register) is not in the export; Hillview's Brian never is.
"""

from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.learn import export_rules
from tandem.learn.export_rules import SUPPRESSED as S
from tests.recall.conftest import code_for

D = dt.date
FIRST = D(2025, 6, 1)
P = "A81001"


# --- Pure rules ---------------------------------------------------------------------------------------

KEY_A, KEY_B = "11" * 32, "22" * 32


def test_a_person_has_the_same_pseudonym_within_a_project_and_another_in_another_project():
    assert export_rules.pseudonym(KEY_A, 42) == export_rules.pseudonym(KEY_A, 42)
    assert export_rules.pseudonym(KEY_A, 42) != export_rules.pseudonym(KEY_A, 43)
    assert export_rules.pseudonym(KEY_A, 42) != export_rules.pseudonym(KEY_B, 42)
    assert re.fullmatch(r"[0-9a-f]{64}", export_rules.pseudonym(KEY_A, 42))
    # HMAC-SHA256 (RFC 2104) of the id's digits with the key's bytes, as the data dictionary says
    assert export_rules.pseudonym(KEY_A, 42) == hmac.new(bytes.fromhex(KEY_A), b"42", "sha256").hexdigest()


@pytest.mark.parametrize(("day", "shown"), [(D(2025, 6, 1), "2025-06"), (D(2026, 12, 31), "2026-12"), (None, "")])
def test_dates_are_shown_as_months(day, shown):
    assert export_rules.month(day) == shown


def _rows(*specs):
    """(count, practice, age, sex, ethnic group, IMD) -> that many rows."""
    return [tuple(spec[1:]) for spec in specs for _ in range(spec[0])]


# Each case: the people (count x combination) and what is exported for each combination, in order
# (None: left out).
SUPPRESSION_CASES = {
    "five alike are shown as they are": (
        [(5, P, "60_69", "female", "white", "3")],
        [(P, "60_69", "female", "white", "3")]),
    "four alike lose everything and are left out": (
        [(4, P, "60_69", "female", "white", "3")],
        [None]),
    "rare ethnic groups and quintiles go first": (
        [(6, P, "60_69", "female", "white", "3"), (2, P, "60_69", "female", "black", "1"),
         (3, P, "60_69", "female", "asian", "2")],
        [(P, "60_69", "female", "white", "3"), (P, "60_69", "female", S, S), (P, "60_69", "female", S, S)]),
    "then the age band": (
        [(6, P, "60_69", "female", "white", "3"), (2, P, "40_49", "female", "black", "1"),
         (3, P, "80_plus", "female", "asian", "2")],
        [(P, "60_69", "female", "white", "3"), (P, S, "female", S, S), (P, S, "female", S, S)]),
    "then sex": (
        [(6, P, "60_69", "female", "white", "3"), (2, P, "40_49", "male", "black", "1"),
         (3, P, "80_plus", "female", "asian", "2")],
        [(P, "60_69", "female", "white", "3"), (P, S, S, S, S), (P, S, S, S, S)]),
    "a combination of five already shown is never joined by the suppressed": (
        [(5, P, "60_69", "female", "not_recorded", "not_recorded"), (1, P, "60_69", "female", "white", "3")],
        [(P, "60_69", "female", "not_recorded", "not_recorded"), None]),
    "practices are never merged": (
        [(3, P, "60_69", "female", "white", "3"), (3, "B82002", "60_69", "female", "white", "3")],
        [None, None]),
    "each step keeps whom it can": (
        [(5, P, "60_69", "female", "white", "3"), (3, P, "60_69", "male", "white", "3"),
         (2, P, "60_69", "male", "black", "3"), (4, P, "70_79", "male", "asian", "5"), (1, P, "18_39", "other", "white", "1")],
        [(P, "60_69", "female", "white", "3"), (P, "60_69", "male", S, S), (P, "60_69", "male", S, S),
         (P, S, S, S, S), (P, S, S, S, S)]),  # 4 and 1 are 5 with everything suppressed
}


@pytest.mark.parametrize("case", sorted(SUPPRESSION_CASES))
def test_the_small_number_rule(case):
    people, expected = SUPPRESSION_CASES[case]
    rows = _rows(*people)
    got = export_rules.suppress_quasi_identifiers(rows)
    start = 0
    for (count, *_), want in zip(people, expected, strict=True):
        assert got[start:start + count] == [want] * count, case
        start += count


def test_after_the_rule_every_combination_is_shared_by_at_least_five():
    import random

    rng = random.Random(7)
    rows = [(rng.choice([P, "B82002"]), rng.choice(["18_39", "60_69", "80_plus"]), rng.choice(["female", "male", "other"]),
             rng.choice(["white", "black", "asian", "not_recorded"]), rng.choice(["1", "2", "5"])) for _ in range(400)]
    out = export_rules.suppress_quasi_identifiers(rows)
    kept = [r for r in out if r is not None]
    from collections import Counter

    assert min(Counter(kept).values()) >= 5
    for before, after in zip(rows, out, strict=True):  # a value is only ever kept or suppressed
        if after is not None:
            assert all(a in (b, S) for a, b in zip(after, before, strict=True)) and after[0] == before[0]


def test_the_docs_carry_the_data_dictionary_from_the_code():
    from tandem.registers.rules.registers import display_names
    from tandem.registers.rules.risk import TIER_LABELS

    docs = Path(__file__).resolve().parents[2] / "docs" / "evaluation-export.md"
    text = docs.read_text(encoding="utf-8")
    assert export_rules.dictionary_markdown(display_names(), TIER_LABELS) in text, (
        "docs/evaluation-export.md is out of date: paste in export_rules.dictionary_markdown(...) again")
    assert export_rules.SMALL_NUMBER_RULE in text and export_rules.PSEUDONYM_RULE in text


# --- The world -----------------------------------------------------------------------------------------

def _nhs_number(n: int) -> str:
    from tandem.patients.rules import nhs_check_digit

    while True:
        first = f"{999_200_000 + n * 10:09d}"
        digit = nhs_check_digit(first)
        if digit is not None:
            return first + str(digit)
        n += 1000


def _person(practice, n, *, sex="female", ethnicity="", imd=None):
    from tandem.patients import actions

    p = actions.register_patient(practice=practice, by=None, nhs_number=_nhs_number(n), given_name=f"Given{n}",
                                 family_name=f"Family{n:03d}", date_of_birth=D(1960, 1, 1) + dt.timedelta(days=n),
                                 sex=sex, postcode="LS2 9JT")
    if ethnicity or imd:
        p.ethnicity, p.imd_decile = ethnicity, imd
        p.save(update_fields=["ethnicity", "imd_decile"])
    actions.record_condition(patient=p, by=None, code=code_for("diabetes_type2"), onset_date=D(2015, 1, 1))
    return p


@pytest.fixture
def world(universe):
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.models import PlanVersion
    from tandem.careplans.rules.document import Plan
    from tandem.checkins.models import CheckIn
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.patients import actions
    from tandem.registers import actions as register_actions

    u = universe
    u.manager = core_actions.add_staff(practice=u.practice, username="manager", role=Role.MANAGER, by=None,
                                       first_name="Sam", last_name="Patel")
    u.other_manager = core_actions.add_staff(practice=u.other_practice, username="othermanager", role=Role.MANAGER,
                                             by=None)
    u.alike = [_person(u.practice, n) for n in range(6)]
    u.rare = [_person(u.practice, 10 + n, ethnicity=eth, imd=imd)
              for n, (eth, imd) in enumerate([("N", None), ("H", None), ("D", None), ("", 1), ("", 10)])]
    u.man = _person(u.practice, 20, sex="male")
    _person(u.other_practice, 30)
    planned = u.alike[0]
    actions.record_observation(patient=planned, by=None, concept="hba1c", effective_date=D(2025, 1, 10), value=70)
    actions.record_observation(patient=planned, by=None, concept="hba1c", effective_date=D(2026, 1, 10), value=55)
    actions.record_encounter(patient=planned, by=None, date=D(2025, 9, 1))
    with clock.frozen(FIRST):
        plan_actions.save_plan(patient=planned, by=u.nurse, base_version=0, plan=Plan(
            information="Walking to the allotment with Margaret", held_by_id=u.nurse.pk, held_by="Nia Evans",
            held_on=FIRST.isoformat(), agreed_with_person=True, agreed_on=FIRST.isoformat()))
    version = PlanVersion.objects.get(patient=planned)
    plan_actions.record_copy_given(version=version, by=u.nurse, how="printed", on=D(2025, 6, 10))
    CheckIn.objects.create(practice=u.practice, patient=planned, version=version, number=1, channel="phone",
                           opened_on=D(2025, 9, 1), closes_on=D(2025, 9, 8), status=CheckIn.Status.ANSWERED,
                           questions={}, questionnaire={}, created_at=clock.now())
    register_actions.refresh_practice(practice=u.practice, by=None)
    register_actions.refresh_practice(practice=u.other_practice, by=None)
    u.planned = planned
    return u


def _project(u, name="Riverside evaluation", by=None, **scope):
    from tandem.learn import actions

    scope = scope or {"practice": u.practice}
    return actions.create_project(by=by or u.manager, name=name, purpose="University of Leeds evaluation", **scope)


def _download(client, project, fmt="csv", purpose="Sent to the University of Leeds team"):
    response = client.post(reverse("learn:export", args=[project.pk]), {"format": fmt, "purpose": purpose})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _csv_rows(archive) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("data.csv").decode("utf-8"))))


# --- The download -------------------------------------------------------------------------------------

def test_the_manager_downloads_one_row_per_person_on_a_register_with_the_small_number_rule(client, world):
    u = world
    project = _project(u)
    client.force_login(u.manager)
    archive = _download(client, project)
    assert set(archive.namelist()) == {"README.md", "data.csv", "data_dictionary.csv", "data_dictionary.md"}
    rows = _csv_rows(archive)
    assert len(rows) == 11  # 12 on the register at Riverside, the man left out; nobody from Hillview
    assert {r["practice"] for r in rows} == {P}
    combos = [(r["age_band"], r["sex"], r["ethnic_group"], r["imd_quintile"]) for r in rows]
    assert combos.count(("60_69", "female", "not_recorded", "not_recorded")) == 6
    assert combos.count(("60_69", "female", S, S)) == 5
    assert all(r["register_diabetes_type2"] == "1" and r["register_asthma"] == "0" for r in rows)
    readme = archive.read("README.md").decode()
    assert "Sent to the University of Leeds team" in readme and "Riverside evaluation" in readme
    assert "fewer than 5" in readme  # the one person left out, counted as small numbers are
    assert export_rules.SMALL_NUMBER_RULE in readme
    dictionary = list(csv.reader(io.StringIO(archive.read("data_dictionary.csv").decode())))
    assert [d[0] for d in dictionary[1:]] == list(rows[0].keys())


def test_the_care_planned_person_has_months_and_outcomes(client, world):
    from tandem.learn import export_rules as er

    u = world
    project = _project(u)
    client.force_login(u.manager)
    rows = _csv_rows(_download(client, project))
    mine = next(r for r in rows if r["pseudonym"] == er.pseudonym(project.key, u.planned.pk))
    assert (mine["first_conversation_month"], mine["latest_plan_agreed_month"], mine["first_copy_given_month"]) == (
        "2025-06", "2025-06", "2025-06")
    assert (mine["checkins_answered"], mine["hba1c_before"], mine["hba1c_after"]) == ("1", "70", "55")
    assert (mine["appointments_before"], mine["appointments_after"]) == ("0", "1")
    other = next(r for r in rows if r["pseudonym"] != mine["pseudonym"])
    assert other["first_conversation_month"] == "" and other["hba1c_before"] == "" and other["checkins_answered"] == "0"


def test_no_identifier_exact_date_or_free_text_leaves_in_any_file(client, world):
    u = world
    project = _project(u)
    client.force_login(u.manager)
    for fmt in ("csv", "parquet"):
        archive = _download(client, project, fmt=fmt)
        data = archive.read(f"data.{fmt}")
        text = data.decode("utf-8") if fmt == "csv" else str(pq.read_table(io.BytesIO(data)).to_pylist())
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # months only, never a day
        assert re.search(r"2025-06", text)
        text += archive.read("README.md").decode()
        for p in [*u.alike, *u.rare, u.man]:
            for identifier in (p.given_name, p.family_name, p.nhs_number, p.date_of_birth.isoformat(),
                               p.date_of_birth.strftime("%d/%m/%Y")):
                assert identifier not in text, identifier
        assert "LS2 9JT" not in text and "LS2" not in text
        assert "allotment" not in text  # the plan's own words


def test_pseudonyms_stay_the_same_across_downloads_and_differ_between_projects(client, world):
    u = world
    first, second = _project(u), _project(u, name="Another evaluation")
    client.force_login(u.manager)
    once = {r["pseudonym"] for r in _csv_rows(_download(client, first))}
    again = {r["pseudonym"] for r in _csv_rows(_download(client, first))}
    other = {r["pseudonym"] for r in _csv_rows(_download(client, second))}
    assert once == again and len(once) == 11
    assert not once & other


def test_parquet_reads_back_as_the_same_rows_as_csv(client, world):
    u = world
    project = _project(u)
    client.force_login(u.manager)
    from_csv = _csv_rows(_download(client, project, fmt="csv"))
    table = pq.read_table(io.BytesIO(_download(client, project, fmt="parquet").read("data.parquet")))
    from_parquet = [{k: "" if v is None else str(v) for k, v in row.items()} for row in table.to_pylist()]
    assert from_parquet == from_csv
    assert str(table.schema.field("hba1c_before").type) == "int64"
    assert str(table.schema.field("register_diabetes_type2").type) == "int8"


def test_every_download_is_recorded_with_its_purpose_and_audited(client, world):
    from tandem.learn.models import EvaluationExport

    u = world
    project = _project(u)
    client.force_login(u.manager)
    _download(client, project, fmt="parquet", purpose="Quarterly refresh for the ICB analyst")
    export = EvaluationExport.objects.get(project=project)
    assert (export.by, export.purpose, export.format, export.rows, export.left_out) == (
        u.manager, "Quarterly refresh for the ICB analyst", "parquet", 11, 1)
    event = AuditEvent.objects.get(action="export", what="learn.evaluation_export")
    assert event.user == u.manager and event.practice == u.practice
    assert event.detail == {"project": project.pk, "export": export.pk, "format": "parquet", "rows": 11}
    page = client.get(reverse("learn:export", args=[project.pk])).content.decode()
    assert "Quarterly refresh for the ICB analyst" in page and "Sam Patel" in page


def test_the_export_reads_a_fixed_number_of_queries_whatever_the_number_of_people(world):
    from tandem.learn import export_queries
    from tandem.registers import actions as register_actions
    from tandem.registers.rules.registers import display_names

    u = world
    project = _project(u)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            t = export_queries.table(project, today=clock.today(), register_slugs=list(display_names()))
        return len(queries), len(t.rows)

    before, rows_before = count()
    for n in range(40, 60):
        _person(u.practice, n, sex="male" if n < 44 else "female")
    register_actions.refresh_practice(practice=u.practice, by=None)
    after, rows_after = count()
    assert rows_after == rows_before + 21  # 20 more, and the man is no longer alone: 5 men of 60 to 69
    assert after == before <= 12


# --- Who may, and bad input --------------------------------------------------------------------------

def test_only_the_practice_manager_or_a_group_lead_may_and_another_practice_s_project_is_not_found(client, world):
    u = world
    project = _project(u)
    url = reverse("learn:export", args=[project.pk])
    client.force_login(u.other_manager)
    assert client.get(url).status_code == 404
    assert client.post(url, {"format": "csv", "purpose": "Curious"}).status_code == 404
    assert client.get(reverse("learn:exports")).status_code == 200
    for user in (u.nurse, u.admin):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("learn:exports")).status_code == 403
    from tandem.learn.models import EvaluationExport

    assert not EvaluationExport.objects.exists()


def test_a_group_lead_exports_the_group_s_practices_without_a_practice_of_their_own(client, world):
    from tandem.core import actions as core_actions
    from tandem.core.models import OrganisationGroup, User

    u = world
    pcn = OrganisationGroup.objects.create(code="U99999", name="Riverside PCN", kind="pcn")
    for practice in (u.practice, u.other_practice):
        practice.group = pcn
        practice.save(update_fields=["group"])
    lead = User.objects.create_user("pcnlead", first_name="Ruth", last_name="Amadi")
    core_actions.make_group_lead(user=lead, group=pcn, by=None)
    client.force_login(lead)
    response = client.post(reverse("learn:exports"), {"name": "PCN evaluation", "purpose": "ICB evaluation",
                                                      "scope": f"group:{pcn.pk}"})
    assert response.status_code == 302
    from tandem.learn.models import EvaluationProject

    project = EvaluationProject.objects.get(group=pcn)
    page = client.get(reverse("learn:export", args=[project.pk])).content.decode()
    assert "Riverside PCN: each of its practices" in page
    rows = _csv_rows(_download(client, project))
    assert {r["practice"] for r in rows} == {P}  # Hillview's one person is alone in their practice: left out
    client.force_login(u.manager)  # the manager of a practice in the network does not lead it
    assert client.get(reverse("learn:export", args=[project.pk])).status_code == 404


@pytest.mark.parametrize(("form", "message"), [
    ({"name": "", "purpose": "An evaluation", "scope": "practice"}, "Enter a name for the evaluation"),
    ({"name": "x" * 121, "purpose": "An evaluation", "scope": "practice"}, "Keep the name to 120 characters"),
    ({"name": "Evaluation", "purpose": "  ", "scope": "practice"}, "Say what the evaluation is for"),
    ({"name": "Evaluation", "purpose": "p" * 2001, "scope": "practice"}, "Keep the purpose to 2,000 characters"),
])
def test_a_project_with_bad_input_is_refused_with_a_message_and_nothing_is_made(client, world, form, message):
    from tandem.learn.models import EvaluationProject

    client.force_login(world.manager)
    response = client.post(reverse("learn:exports"), form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EvaluationProject.objects.exists()


@pytest.mark.parametrize(("form", "message"), [
    ({"format": "csv", "purpose": ""}, "Say what this download is for"),
    ({"format": "csv", "purpose": "p" * 1001}, "Keep the purpose to 1,000 characters"),
    ({"format": "xlsx", "purpose": "For the ICB"}, "Choose CSV or Parquet"),
])
def test_a_download_with_bad_input_is_refused_and_nothing_is_recorded(client, world, form, message):
    from tandem.learn.models import EvaluationExport

    u = world
    project = _project(u)
    client.force_login(u.manager)
    response = client.post(reverse("learn:export", args=[project.pk]), form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EvaluationExport.objects.exists()
    assert not AuditEvent.objects.filter(action="export", what="learn.evaluation_export").exists()


def test_the_project_page_explains_the_data_and_never_shows_the_key(client, world):
    u = world
    project = _project(u)
    client.force_login(u.manager)
    page = client.get(reverse("learn:export", args=[project.pk])).content.decode()
    assert project.key not in page
    assert "first_conversation_month" in page and "HMAC-SHA256" in page
    assert "fewer than 5 people share one combination" in page
    assert project.key not in repr(project) and project.key not in str(project)
    learn = client.get(reverse("learn:changes")).content.decode()
    assert reverse("learn:exports") in learn  # the manager finds it from Learn's pages
    client.force_login(u.nurse)
    assert reverse("learn:exports") not in client.get(reverse("learn:changes")).content.decode()


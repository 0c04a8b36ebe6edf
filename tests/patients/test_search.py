"""Finding a patient: what the search box understands, and what staff see."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse

from tandem.core.models import AuditEvent
from tandem.patients import actions
from tandem.patients.queries import SearchKind, find_patients, parse_search

TODAY = dt.date(2026, 6, 15)
DOB = dt.date(1948, 3, 2)


# --- Parsing what was typed (pure) ---------------------------------------------------

@pytest.mark.parametrize(
    ("typed", "kind", "expected"),
    [
        ("9990000018", SearchKind.NHS_NUMBER, {"nhs_number": "9990000018"}),
        ("999 000 0018", SearchKind.NHS_NUMBER, {"nhs_number": "9990000018"}),
        (" 999-000-0018 ", SearchKind.NHS_NUMBER, {"nhs_number": "9990000018"}),
        ("smith", SearchKind.NAME, {"names": ("smith",)}),
        ("John Smith", SearchKind.NAME, {"names": ("John", "Smith")}),
        ("smith, john", SearchKind.NAME, {"family": "smith", "given": "john"}),
        ("Smith,John", SearchKind.NAME, {"family": "Smith", "given": "John"}),
        ("o\u2019brien", SearchKind.NAME, {"names": ("o'brien",)}),
        ("Smith-Jones", SearchKind.NAME, {"names": ("Smith-Jones",)}),
        ("02/03/1948", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("2/3/1948", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("2.3.1948", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("2-3-1948", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("1948-03-02", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("02031948", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("2 March 1948", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("2nd mar 1948", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("2/3/48", SearchKind.DATE_OF_BIRTH, {"date_of_birth": DOB}),
        ("2/3/19", SearchKind.DATE_OF_BIRTH, {"date_of_birth": dt.date(2019, 3, 2)}),
        ("smith 02/03/1948", SearchKind.NAME_AND_DATE_OF_BIRTH, {"names": ("smith",), "date_of_birth": DOB}),
        ("2 March 1948 John Smith", SearchKind.NAME_AND_DATE_OF_BIRTH,
         {"names": ("John", "Smith"), "date_of_birth": DOB}),
        ("smith, john 1948-03-02", SearchKind.NAME_AND_DATE_OF_BIRTH,
         {"family": "smith", "given": "john", "date_of_birth": DOB}),
        ("", SearchKind.EMPTY, {}),
        ("   ", SearchKind.EMPTY, {}),
    ],
)
def test_search_box_understands(typed, kind, expected):
    search = parse_search(typed, today=TODAY)
    assert search.kind == kind, search.error
    for name, value in expected.items():
        assert getattr(search, name) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("9990000019", "check digit does not match"),
        ("999 000 0019", "check digit does not match"),
        ("99900001", "has 10 digits; this one has 8"),  # not a real date either (day 99)
        ("31022000", "it is not a real date"),
        ("999000001", "has 10 digits; this one has 9"),
        ("30/02/1950", "30/02/1950 is not a real date"),
        ("1/1/2030", "is in the future"),
        ("smith 9990000018", "NHS number on its own"),
        ("smith 12345", "Enter an NHS number (10 digits), a name, or a date of birth"),
        ("2/3/1948 4/5/1950", "only one date of birth"),
        ("!!!", "Enter an NHS number, a name or a date of birth"),
    ],
)
def test_search_box_explains_what_it_cannot_use(typed, message):
    search = parse_search(typed, today=TODAY)
    assert search.kind == SearchKind.INVALID
    assert message in search.error


# --- Finding patients -------------------------------------------------------------------

@pytest.fixture
def people(universe):
    """Margaret Okafor (universe), plus namesakes here and at the other practice."""
    register = actions.register_patient
    universe.john = register(practice=universe.practice, by=None, nhs_number="9990000034", given_name="John",
                             family_name="Smith", date_of_birth=DOB, postcode="LS2 7AA")
    universe.jane = register(practice=universe.practice, by=None, nhs_number="9990000042", given_name="Jane",
                             family_name="Smithson", date_of_birth=dt.date(1990, 7, 1))
    universe.johnny = register(practice=universe.practice, by=None, nhs_number="9990000050",
                               given_name="Johnny", family_name="Goldsmith", date_of_birth=dt.date(1975, 1, 9))
    universe.foreign_smith = register(practice=universe.other_practice, by=None, nhs_number="9990000069",
                                      given_name="John", family_name="Smith", date_of_birth=DOB)
    return universe


def found(u, text, *, by=None):
    results = find_patients(practice=u.practice, text=text, by=by or u.nurse, today=TODAY)
    return [p.pk for p in results.patients]


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        # Smith, then Smithson (starts with it), then Goldsmith (contains it)
        ("smith", ["john", "jane", "johnny"]),
        ("SMITH", ["john", "jane", "johnny"]),
        ("smi", ["john", "jane", "johnny"]),
        ("john smith", ["john", "johnny"]),
        ("smith john", ["john", "johnny"]),
        ("smith, john", ["john", "johnny"]),
        ("Smith, Jo", ["john", "johnny"]),
        ("jo", ["johnny", "john"]),  # given names match too; then surname order
        ("smith 02/03/1948", ["john"]),
        ("2 March 1948", ["patient", "john"]),
        ("1948-03-02", ["patient", "john"]),
        ("999 000 0034", ["john"]),
        ("9990000018", ["patient"]),
        ("okafor", ["patient"]),
        ("MARGARET", ["patient"]),
        ("nobody", []),
    ],
)
def test_finds_patients_by_name_number_or_date_of_birth(people, typed, who):
    assert found(people, typed) == [getattr(people, w).pk for w in who]


def test_only_the_current_practices_patients_are_found(people):
    assert people.foreign_smith.pk not in found(people, "john smith")
    assert found(people, "9990000069") == []  # registered only at the other practice
    assert found(people, "Hollis") == []
    other = find_patients(practice=people.other_practice, text="smith", by=people.other_nurse, today=TODAY)
    assert [p.pk for p in other.patients] == [people.foreign_smith.pk]


def test_a_search_is_audited_without_what_was_typed(people, caplog):
    caplog.set_level(logging.DEBUG)
    found(people, "smith, john")
    event = AuditEvent.objects.get(action="search")
    assert event.user == people.nurse
    assert event.practice == people.practice
    assert event.patient_id is None
    assert event.detail == {"kind": "name", "results": 2, "more": False}
    assert "smith" not in str(event.detail).lower()
    assert "smith" not in caplog.text.lower()


def test_an_unusable_search_is_not_run_or_audited(people):
    results = find_patients(practice=people.practice, text="9990000019", by=people.nurse, today=TODAY)
    assert results.patients == []
    assert not AuditEvent.objects.filter(action="search").exists()


def nhs_numbers(count: int, start: int = 100) -> list[str]:
    """Valid synthetic NHS numbers in the 999 range."""
    from tandem.patients.rules import nhs_check_digit

    out = []
    for n in range(start, start + 2 * count + 10):
        nine = f"999000{n:03d}"
        check = nhs_check_digit(nine)
        if check is not None:
            out.append(nine + str(check))
    return out[:count]


def many_joneses(universe, count: int) -> None:
    for i, number in enumerate(nhs_numbers(count)):
        actions.register_patient(practice=universe.practice, by=None, nhs_number=number, given_name=f"Ann{i}",
                                 family_name="Jones", date_of_birth=dt.date(1960, 1, 1) + dt.timedelta(days=i))


def test_many_matches_are_cut_off_and_flagged(universe):
    many_joneses(universe, 6)
    results = find_patients(practice=universe.practice, text="jones", by=universe.nurse, today=TODAY, limit=5)
    assert len(results.patients) == 5
    assert results.more is True
    exactly = find_patients(practice=universe.practice, text="jones", by=universe.nurse, today=TODAY, limit=6)
    assert exactly.more is False


# --- The search page ----------------------------------------------------------------

def test_search_page_lists_matches_with_number_date_of_birth_age_and_postcode(nurse_client, people):
    page = nurse_client.post(reverse("patients:search"), {"q": "smith 2/3/1948"}, follow=True).content.decode()
    assert "1 patient found" in page
    assert "999 000 0034" in page
    assert "2 March 1948" in page and "(78 years)" in page
    assert "LS2 7AA" in page
    assert reverse("patients:summary", args=[people.john.pk]) in page
    assert "9990000069" not in page and "999 000 0069" not in page


def test_search_page_says_clearly_when_an_nhs_number_is_not_valid(nurse_client, people):
    response = nurse_client.post(reverse("patients:search"), {"q": "999 000 0019"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Find a patient" in page
    assert "There is a problem" in page
    assert "This is not a valid NHS number: the check digit does not match" in page


def test_search_page_says_when_nobody_matches(nurse_client, people):
    page = nurse_client.post(reverse("patients:search"), {"q": "Featherstonehaugh"}, follow=True).content.decode()
    assert "No patients found" in page
    assert "Riverside Surgery" in page


def test_search_page_asks_to_refine_when_there_are_too_many(nurse_client, universe):
    many_joneses(universe, 51)
    page = nurse_client.post(reverse("patients:search"), {"q": "jones"}, follow=True).content.decode()
    assert "More than 50 patients found" in page
    assert "Refine your search" in page
    assert page.count(">Ann") == 50


def test_htmx_search_returns_only_the_form_and_results(nurse_client, people):
    response = nurse_client.post(reverse("patients:search"), {"q": "okafor"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="search-status" hx-swap-oob="innerHTML"' in page
    assert "1 patient found" in page
    assert "HX-Request" in response["Vary"]


def test_names_typed_and_stored_are_escaped(nurse_client, universe):
    actions.register_patient(practice=universe.practice, by=None, nhs_number="9990000034",
                             given_name="<b>Bold</b>", family_name="Okafor", date_of_birth=dt.date(1950, 1, 1))
    page = nurse_client.post(reverse("patients:search"), {"q": 'okafor "><script>'}, follow=True).content.decode()
    assert '"><script>' not in page
    assert "&lt;script&gt;" in page  # what was typed is shown back, escaped
    page = nurse_client.post(reverse("patients:search"), {"q": "okafor"}, follow=True).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert "<b>Bold</b>" not in page


def test_administrator_can_search_but_results_do_not_link_to_the_clinical_summary(client, people):
    client.force_login(people.admin)
    page = client.post(reverse("patients:search"), {"q": "okafor"}, follow=True).content.decode()
    assert "Margaret OKAFOR" in page
    assert f'href="{reverse("patients:summary", args=[people.patient.pk])}"' not in page


def test_search_needs_sign_in(client, universe):
    response = client.post(reverse("patients:search"), {"q": "okafor"})
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]


def test_search_terms_never_appear_in_the_address(nurse_client, people):
    response = nurse_client.post(reverse("patients:search"), {"q": "okafor 999 000 0018"})
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:search")
    # the last search is shown again when coming back to the page
    again = nurse_client.get(reverse("patients:search")).content.decode()
    assert 'value="okafor 999 000 0018"' in again
    # and a new search starts empty
    fresh = nurse_client.get(reverse("patients:search"), {"new": "1"}).content.decode()
    assert "okafor" not in fresh


@pytest.mark.parametrize(("role", "shown"), [("nurse", True), ("admin", False)])
def test_how_many_long_term_conditions_a_person_has_is_shown_only_to_roles_with_clinical_access(
        client, people, role, shown):
    for code in ("38341003", "73211009"):  # high blood pressure, diabetes
        actions.record_condition(patient=people.patient, by=None, code=code, onset_date=dt.date(2015, 1, 1))
    client.force_login(getattr(people, role))
    page = client.post(reverse("patients:search"), {"q": "okafor"}, follow=True).content.decode()
    assert "Margaret OKAFOR" in page
    assert ("Long-term conditions" in page) is shown
    assert ('nhsuk-table__cell--numeric">2</td>' in page) is shown

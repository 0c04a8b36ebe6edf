"""One NHS number, however it is typed: digits from other scripts and compatibility forms (full-width,
superscript) are read as the digits they are, or refused with a reason; never an error page, never a
second record of the same person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.patients import actions
from tandem.patients.models import Patient
from tandem.patients.queries import SearchKind, find_patients, parse_search
from tandem.patients.rules import InvalidNHSNumber, normalise_nhs_number

TODAY = dt.date(2026, 6, 15)
SUPERSCRIPT = "999000001\u00b2"  # 999000001² : NFKC reads the superscript as 2
FULL_WIDTH = "\uff19\uff19\uff19\uff10\uff10\uff10\uff10\uff10\uff11\uff18"  # ９９９０００００１８
ARABIC_INDIC = "\u0669\u0669\u0669\u0660\u0660\u0660\u0660\u0660\u0661\u0668"  # ٩٩٩٠٠٠٠٠١٨
DEVANAGARI = "\u096f\u096f\u096f \u0966\u0966\u0966 \u0966\u0966\u0967\u096e"  # ९९९ ००० ००१८


@pytest.mark.parametrize("typed", [FULL_WIDTH, ARABIC_INDIC, DEVANAGARI, "999\u00a0000\u00a00018",
                                   "999\u2013000\u20130018", "\U0001d7d7\U0001d7d7\U0001d7d70000018"])
def test_digits_written_in_other_forms_are_read_as_the_same_ascii_number(typed):
    assert normalise_nhs_number(typed) == "9990000018"


def test_a_superscript_digit_is_read_as_its_digit_and_the_check_digit_then_decides():
    with pytest.raises(InvalidNHSNumber, match="check digit does not match") as caught:
        normalise_nhs_number(SUPERSCRIPT)
    assert "were read as 999 000 0012" in str(caught.value)
    assert normalise_nhs_number("999000001\u2078") == "9990000018"  # superscript 8


@pytest.mark.parametrize("typed", ["99900000\u00bd8", "9990000018\u2468", "99900000\U00010a418"])
def test_characters_that_are_not_digits_are_refused_with_a_reason_not_an_error(typed):
    # ½ becomes "1⁄2" (not digits); circled ⑨ becomes an eleventh digit; Kharosthi one is a number but not a digit
    with pytest.raises(InvalidNHSNumber) as caught:
        normalise_nhs_number(typed)
    assert "digits" in str(caught.value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_either_ten_ascii_digits_or_refused_with_a_reason(text):
    try:
        number = normalise_nhs_number(text)
    except InvalidNHSNumber as exc:
        assert str(exc)
    else:
        assert len(number) == 10 and number.isascii() and number.isdigit()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_the_search_box_never_fails_whatever_is_typed(text):
    search = parse_search(text, today=TODAY)
    if search.kind == SearchKind.INVALID:
        assert search.error
    if search.kind == SearchKind.NHS_NUMBER:
        assert search.nhs_number.isascii()


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Nd", "No", "Zs", "Pd"]), max_size=14))
def test_the_search_box_never_fails_on_digits_of_any_kind(text):
    search = parse_search(text, today=TODAY)
    assert search.kind in (SearchKind.INVALID, SearchKind.EMPTY, SearchKind.NHS_NUMBER, SearchKind.DATE_OF_BIRTH)


@pytest.mark.parametrize(("typed", "date"), [("\uff12/\uff13/\uff11\uff19\uff14\uff18", dt.date(1948, 3, 2)),
                                             ("\u0662 March \u0661\u0669\u0664\u0668", dt.date(1948, 3, 2))])
def test_a_date_of_birth_in_other_digits_is_understood(typed, date):
    search = parse_search(typed, today=TODAY)
    assert (search.kind, search.date_of_birth) == (SearchKind.DATE_OF_BIRTH, date)


def test_a_full_width_number_is_the_same_person_not_a_second_one(universe):
    with pytest.raises(actions.PatientError, match="already registered at this practice"):
        actions.register_patient(practice=universe.practice, by=None, nhs_number=FULL_WIDTH, given_name="Margaret",
                                 family_name="Okafor", date_of_birth=dt.date(1948, 3, 2))
    assert Patient.objects.filter(practice=universe.practice).count() == 1


def test_a_number_in_other_digits_is_stored_in_ascii(universe):
    patient = actions.register_patient(practice=universe.practice, by=None, nhs_number=ARABIC_INDIC.replace(
        "\u0661\u0668", "\u0663\u0664"), given_name="Ann", family_name="Lee", date_of_birth=dt.date(1950, 1, 1))
    assert Patient.objects.get(pk=patient.pk).nhs_number == "9990000034"


@pytest.mark.parametrize("typed", ["999\u2013000\u20130018", "999\u00a0000\u00a00018"])
def test_search_reads_dashes_and_no_break_spaces_between_digit_groups(typed):
    search = parse_search(typed, today=TODAY)
    assert (search.kind, search.nhs_number) == (SearchKind.NHS_NUMBER, "9990000018")


def test_search_finds_the_existing_person_by_a_full_width_number(universe):
    results = find_patients(practice=universe.practice, text=FULL_WIDTH, by=universe.nurse, today=TODAY)
    assert [p.pk for p in results.patients] == [universe.patient.pk]


def test_the_search_page_explains_a_superscript_number_and_keeps_working(nurse_client, universe):
    url = reverse("patients:search")
    response = nurse_client.post(url, {"q": SUPERSCRIPT}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "check digit does not match" in page
    assert "read as 999 000 0012" in page
    again = nurse_client.get(url)  # the search is kept in the session: coming back must still work
    assert again.status_code == 200 and "check digit does not match" in again.content.decode()


def test_the_search_page_finds_the_person_by_a_full_width_number(nurse_client, universe):
    page = nurse_client.post(reverse("patients:search"), {"q": FULL_WIDTH}, follow=True).content.decode()
    assert "1 patient found" in page and "999 000 0018" in page


@pytest.mark.parametrize("stored", [{"practice": None, "text": 5}, {"text": ["x"]}, "not a search", 7])
def test_a_damaged_search_kept_in_the_session_is_forgotten_not_an_error(nurse_client, universe, stored):
    session = nurse_client.session
    session["tandem_patient_search"] = stored if not isinstance(stored, dict) else {
        **stored, "practice": universe.practice.pk}
    session.save()
    response = nurse_client.get(reverse("patients:search"))
    assert response.status_code == 200
    assert "There is a problem" not in response.content.decode()


@pytest.mark.parametrize(("name", "params"), [
    ("recall:board", {"page": "\u00b2"}),
    ("recall:board", {"cohort": "\u00b2"}),
    ("careplans:fhir", {"version": "\u00b2"}),
    ("careplans:plan", {"version": "\u00b2"}),
])
def test_a_superscript_digit_in_an_address_is_never_an_error_page(client, universe, name, params):
    # str.isdigit() is true for '²' but int('²') fails: numbers in addresses are read as decimals only.
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None,
                                     password="correct-horse-battery")
    client.force_login(manager)
    args = [universe.patient.pk] if name.startswith("careplans") else []
    response = client.get(reverse(name, args=args), params)
    assert response.status_code in (200, 302, 404)

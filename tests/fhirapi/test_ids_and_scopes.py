"""Pure rules of the API: resource ids (stable, typed, not guessable from another) and what scopes allow."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.fhirapi import rules
from tandem.fhirapi.ids import MAX_KEY, TAGS, IdCodec

CODEC = IdCodec(b"test-key")


@given(st.sampled_from(sorted(TAGS)), st.integers(1, MAX_KEY), st.integers(0, 2**32 - 1))
def test_an_id_reads_back_as_its_row_for_its_type_only(type_name, key, extra):
    ident = CODEC.encode(type_name, key, extra)
    assert len(ident) == 32 and ident == CODEC.encode(type_name, key, extra)  # stable
    assert CODEC.decode(type_name, ident) == (key, extra)
    assert all(CODEC.decode(other, ident) is None for other in TAGS if other != type_name)
    assert IdCodec(b"another-key").decode(type_name, ident) is None


@given(st.integers(1, 10_000), st.integers(0, 31), st.integers(1, 15))
def test_changing_any_digit_of_an_id_makes_it_no_id(key, position, delta):
    ident = CODEC.encode("Observation", key)
    digit = format((int(ident[position], 16) + delta) % 16, "x")
    assert CODEC.decode("Observation", ident[:position] + digit + ident[position + 1:]) is None


def test_neighbouring_rows_have_unrelated_ids():
    first, second = CODEC.encode("Patient", 41), CODEC.encode("Patient", 42)
    assert sum(a == b for a, b in zip(first, second, strict=True)) < 10


@pytest.mark.parametrize(("scope", "read", "search", "bound"), [
    ("user/*.rs", set(rules.TYPES), set(rules.TYPES), False),
    ("user/Observation.r", {"Observation"}, set(), False),
    ("user/Observation.s user/Patient.read", {"Patient"}, {"Observation", "Patient"}, False),
    ("patient/*.rs launch/patient", set(rules.TYPES), set(rules.TYPES), True),
    ("user/Encounter.rs user/Observation.cruds openid", {"Observation"}, {"Observation"}, False),  # unknown: nothing;
    # cruds (SMART v2: every permission) reads and searches; only Task is ever written (test_writes.py)
    ("", set(), set(), False),
])
def test_what_scopes_allow(scope, read, search, bound):
    grant = rules.grant_of(scope)
    assert (set(grant.read), set(grant.search), grant.patient_bound) == (read, search, bound)


def test_every_scope_offered_is_explained_in_plain_words():
    offered = rules.all_scopes()
    assert "patient/Observation.rs" in offered and "user/*.read" in offered and "launch/patient" in offered
    assert offered["patient/Condition.rs"] == "Read and search their diagnoses for the one person you choose"
    assert rules.scope_lines("user/Patient.rs nonsense") == [offered["user/Patient.rs"]]

"""The register pages read what they show in a fixed number of queries: the number does not grow
with the practice (counts and the tier report are aggregated in the database; the cohort list counts
every cohort in one query), and it is pinned here so it cannot creep back up unnoticed.

If a change adds a query on purpose, update PINNED; if the count grows with the people (or cohorts)
in the practice, the page has gained a query per row (N+1): fix the page, not the number."""

from __future__ import annotations

import pytest

from tests.query_counts import queries_per_page
from tests.recall.crowd import crowd

#: page -> queries for one request by a nurse, session and practice checks included
PINNED = {
    "registers": 5,
    "tiers": 6,
    "worklist": 10,  # one read of the medicine names; checks whose names match none skip their queries
    "one worklist check": 4,
    "cohorts": 5,
    "patient tier": 11,
}


def pages(patient_id: int) -> dict[str, str]:
    return {
        "registers": "/registers/",
        "tiers": "/registers/tiers/",
        "worklist": "/registers/worklist/",
        "one worklist check": "/registers/worklist/?check=copd_no_spirometry",
        "cohorts": "/registers/cohorts/",
        "patient tier": f"/registers/patients/{patient_id}/",
    }


def add_cohorts(practice, nurse, names):
    from tandem.registers import actions

    for name in names:
        actions.save_cohort(practice=practice, by=nurse, name=name,
                            definition={"all_of": ["hypertension"], "age_min": 40})


@pytest.fixture
def nurse(client, universe):
    client.force_login(universe.nurse)
    return client


def test_the_number_of_queries_does_not_grow_with_the_practice(nurse, universe):
    people = crowd(universe.practice, 10)
    add_cohorts(universe.practice, universe.nurse, ["Over 40s with high blood pressure"])
    small = queries_per_page(nurse, pages(people[0].pk))
    crowd(universe.practice, 60, start=10)
    add_cohorts(universe.practice, universe.nurse, ["Second", "Third", "Fourth"])
    large = queries_per_page(nurse, pages(people[0].pk))
    assert large == small


def test_the_number_of_queries_per_page_is_pinned(nurse, universe):
    people = crowd(universe.practice, 12)
    add_cohorts(universe.practice, universe.nurse, ["Over 40s with high blood pressure", "Second"])
    found = queries_per_page(nurse, pages(people[0].pk))
    assert found == PINNED, "queries per page changed: see this module's docstring"

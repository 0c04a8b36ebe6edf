"""The board in pages of 25: a nurse working down a long list sees everyone once, in order (due month,
then family name, then given name), with links that say where they lead."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tandem.recall import queries

from .crowd import crowd

ROW_NAME = re.compile(r'<th scope="row" class="nhsuk-table__cell"> <a href="[^"]+">([^<]+)</a>')


@pytest.fixture
def nurse(client, universe):
    client.force_login(universe.nurse)
    return client


def listed(client, query: str = "") -> tuple[list[str], str]:
    response = client.get("/recall/" + query)
    assert response.status_code == 200
    page = response.content.decode()
    return ROW_NAME.findall(page), page


def test_a_long_board_is_read_page_by_page_with_no_one_missed_or_shown_twice(nurse, universe):
    crowd(universe.practice, 66)
    first, page = listed(nurse)
    assert queries.PAGE_SIZE == 25 and len(first) == 25
    everyone = list(first)
    number = 1
    while 'class="nhsuk-pagination__next"' in page or "nhsuk-pagination-item--next" in page:
        number += 1
        assert f"Page {number} of" in page  # the next link says where it leads
        names, page = listed(nurse, f"?page={number}")
        everyone += names
    assert number >= 2 and 0 < len(names) <= 25
    assert len(everyone) == len(set(everyone))  # nobody twice

    # The same people as the export of the same list, in the same order: nobody missed.
    export = list(csv.reader(io.StringIO(nurse.get("/recall/export.csv").content.decode("utf-8-sig"))))
    assert export[0][1] == "Name" and [row[1] for row in export[1:]] == everyone

    # The order is the board's: due month first, then family name and given name within a month.
    from tandem.recall.models import Review
    order = list(Review.objects.filter(practice=universe.practice, given_name__startswith="Person")
                 .order_by(*queries.ORDERING).values_list("given_name", "family_name"))
    shown = [tuple(name.split()) for name in everyone]  # "Given FAMILY"
    assert shown == [(given, family.upper()) for given, family in order if (given, family.upper()) in shown]


def test_a_page_beyond_the_last_shows_the_last_and_a_bad_page_the_first(nurse, universe):
    crowd(universe.practice, 40)
    _, first = listed(nurse)
    pages = int(re.search(r"Page 2 of (\d+)", first).group(1))
    last, _ = listed(nurse, f"?page={pages}")
    assert listed(nurse, "?page=999")[0] == last
    for bad in ("0", "-1", "abc", "²", "9" * 400):
        assert listed(nurse, f"?page={bad}")[0] == listed(nurse)[0]

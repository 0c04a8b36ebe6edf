"""Administrators run recall without clinical detail (docs/roles.md): the risk tier is neither in the
board's CSV export nor usable to filter the board, for them; clinicians keep both."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

EXPORT = reverse("recall:export")


def exported(client, query: str = "?when=year") -> list[list[str]]:
    response = client.get(EXPORT + query)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def tiers_by_name(client) -> dict[str, str]:
    rows = exported(client)
    column = rows[0].index("Risk tier")
    return {r[1]: r[column] for r in rows[1:]}


@pytest.fixture
def tiered(client, planned):
    """The tiers a clinician sees, one of them, and a tier nobody in the practice is in."""
    client.force_login(planned.nurse)
    tiers = tiers_by_name(client)
    labels = {label for label in tiers.values() if label}
    assert labels, "the fixture needs someone with a risk tier"
    from tandem.recall.views import TIER_CHOICES

    nobody = [value for value, text in TIER_CHOICES if text not in labels]
    assert nobody
    return tiers, sorted(labels)[0], nobody[0]


def test_a_clinician_exports_the_risk_tier_and_can_filter_by_it(client, planned, tiered):
    tiers, label, value = tiered
    assert label in tiers.values()
    assert exported(client, f"?when=year&tier={value}")[1:] == []  # nobody is in that tier
    board = client.get(reverse("recall:board") + f"?when=year&tier={value}").content.decode()
    assert not any(name.split()[0] in board for name in tiers)


def test_an_administrators_export_has_no_risk_tier_column(client, planned, tiered):
    tiers, label, _value = tiered
    client.force_login(planned.admin)
    rows = exported(client)
    assert "Risk tier" not in rows[0]
    assert not any(label in row for row in rows[1:])
    assert {r[1] for r in rows[1:]} == set(tiers)
    assert all(len(row) == len(rows[0]) for row in rows)


def test_an_administrator_cannot_filter_the_board_or_the_export_by_risk_tier(client, planned, tiered):
    tiers, _label, value = tiered
    client.force_login(planned.admin)
    assert {r[1] for r in exported(client, f"?when=year&tier={value}")[1:]} == set(tiers)
    everyone = client.get(reverse("recall:board") + "?when=year").content.decode()
    filtered = client.get(reverse("recall:board") + f"?when=year&tier={value}").content.decode()
    for name in tiers:
        assert (name.split()[0] in filtered) == (name.split()[0] in everyone)
    assert f"tier={value}" not in filtered  # not carried into the export link or the pages

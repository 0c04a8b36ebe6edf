"""Synthetic practices differ in continuity, as real ones do: in some, people mostly see one GP; in
others, whoever is free. Worked out from the generator's rows, without a database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from tandem.continuity import rules
from tandem.continuity.queries import window_start
from tandem.synth.generate import COLUMNS, generate
from tandem.synth.generate.activity import Staff

TODAY = dt.date(2026, 6, 15)


def mean_gp_upc(seed: int, patients: int = 600) -> float:
    seen = defaultdict(list)
    since = window_start(TODAY)
    for chunk in generate(patients=patients, seed=seed, today=TODAY):
        for row in chunk.encounters:
            e = dict(zip(COLUMNS["encounters"], row, strict=True))
            if e["status"] == "attended" and e["clinician_role"] == "gp" and since <= e["date"] <= TODAY:
                seen[(chunk.first_index, e["patient"])].append((e["date"], e["clinician_ref"]))
    return rules.mean(rules.upc([ref for _, ref in sorted(s)]) for s in seen.values())


def test_every_attended_contact_has_a_clinician_of_its_role():
    for chunk in generate(patients=200, seed=5, today=TODAY):
        for row in chunk.encounters:
            e = dict(zip(COLUMNS["encounters"], row, strict=True))
            if e["status"] != "booked":
                assert e["clinician_ref"].startswith(f"synth-{e['clinician_role']}-")


def test_practices_differ_in_how_often_people_see_the_same_gp():
    seeds = range(1, 9)
    usual = {seed: Staff.for_practice(seed, 600).usual for seed in seeds}
    upc = {seed: mean_gp_upc(seed) for seed in seeds}
    assert max(upc.values()) - min(upc.values()) > 0.2
    assert all(0.2 < value < 0.95 for value in upc.values())
    # the practice where people are likelier to see their usual GP has the higher UPC
    low, high = min(usual, key=usual.get), max(usual, key=usual.get)
    assert upc[high] > upc[low]


def test_the_clinicians_are_the_same_however_the_practice_is_chunked():
    def rows(chunk_size):
        return [(chunk.first_index + row[0], *row[1:]) for chunk in generate(
            patients=50, seed=3, today=TODAY, chunk_size=chunk_size) for row in chunk.encounters]
    assert rows(5000) == rows(7)

"""Spec table for the continuity indices: a sequence of clinicians seen, in date order, and the
expected UPC, COC and SECON.

UPC and COC are the worked examples of Table 2 of BJGP 2023;73:279 (PMC10229170), given there to
two decimal places. SECON is not in that table; each value is worked out by hand in the comment:
the consecutive pairs with the same clinician over the N - 1 pairs (BMC Primary Care 2020,
doi:10.1186/s12875-020-01361-0, Table 1).
"""

from __future__ import annotations

import pytest

from tandem.continuity import rules

SPEC = [
    # sequence, UPC, COC, SECON
    ("AAB", 0.67, 0.33, 1 / 2),  # pairs AA AB: 1 of 2
    ("AB", 0.5, 0.0, 0.0),  # AB: 0 of 1
    ("AABB", 0.5, 0.33, 2 / 3),  # AA AB BB: 2 of 3
    ("AABC", 0.5, 0.17, 1 / 3),  # AA AB BC: 1 of 3
    ("AAABBB", 0.5, 0.40, 4 / 5),  # AA AA AB BB BB: 4 of 5
    ("AAAABBBB", 0.5, 0.43, 6 / 7),  # AA AA AA AB BB BB BB: 6 of 7
    ("AAAABCDE", 0.5, 0.21, 3 / 7),  # AA AA AA AB BC CD DE: 3 of 7
    ("ABC", 0.33, 0.0, 0.0),  # AB BC: 0 of 2
    ("AA", 1.0, 1.0, 1.0),  # AA: 1 of 1
]


@pytest.mark.parametrize(("seen", "upc", "coc", "secon"), SPEC)
def test_published_worked_examples(seen, upc, coc, secon):
    found = rules.indices(list(seen))
    assert found.contacts == len(seen)
    assert found.upc == pytest.approx(upc, abs=0.005)
    assert found.coc == pytest.approx(coc, abs=0.005)
    assert found.secon == pytest.approx(secon)


@pytest.mark.parametrize("seen", ["", "A"])
def test_fewer_than_two_contacts_cannot_be_worked_out(seen):
    assert rules.indices(list(seen)) == rules.Indices(contacts=len(seen), upc=None, coc=None, secon=None)


@pytest.mark.parametrize(("seen", "_upc", "_coc", "_secon"), SPEC)
def test_grouped_counts_give_the_same_answer(seen, _upc, _coc, _secon):
    """What the practice's figures are worked out from (counts per clinician, N, the sum of n
    squared, same-as-before pairs) gives the same as the sequence itself."""
    counts = [seen.count(c) for c in set(seen)]
    pairs = sum(a == b for a, b in zip(seen, seen[1:], strict=False))
    assert rules.upc_of_counts(counts) == rules.upc(list(seen))
    assert rules.coc_of_sums(len(seen), sum(c * c for c in counts)) == rules.coc(list(seen))
    assert rules.secon_of_pairs(len(seen), pairs) == rules.secon(list(seen))


def test_secon_depends_on_order_and_the_others_do_not():
    together, alternating = rules.indices(list("AABB")), rules.indices(list("ABAB"))
    assert (together.upc, together.coc) == (alternating.upc, alternating.coc)
    assert together.secon == pytest.approx(2 / 3)
    assert alternating.secon == 0


def test_mean_leaves_out_people_it_cannot_be_worked_out_for():
    assert rules.mean([0.5, None, 1.0]) == 0.75
    assert rules.mean([None]) is None

"""Continuity of care indices over one person's contacts. Pure: no Django.

Each function takes the clinicians the person saw, in date order (any hashable key per
clinician), or the counts per clinician, and answers None when there are fewer than two
contacts: with one contact continuity cannot be worked out.

With N contacts, n_i of them with clinician i:

- UPC, Usual Provider of Care: max(n_i) / N. The share of contacts with the clinician seen most.
- COC, Bice-Boxerman Continuity of Care: (sum of n_i squared - N) / (N (N - 1)). 0 when every
  contact was with a different clinician, 1 when all were with the same one.
- SECON, sequential continuity: the share of the N - 1 consecutive pairs of contacts that were
  with the same clinician. It depends on the order; the others do not.

Sources: the formulas as given by Table 2 of BMC Health Services Research 2022
(doi:10.1186/s12913-022-07953-z) and Table 1 of BJGP 2023;73:279 (PMC10229170) for UPC and COC;
Table 1 of BMC Primary Care 2020 (doi:10.1186/s12875-020-01361-0) for SECON. The worked examples
in Table 2 of PMC10229170 are the spec tests (tests/continuity/test_rules.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

MIN_CONTACTS = 2


@dataclass(frozen=True)
class Indices:
    contacts: int
    upc: float | None
    coc: float | None
    secon: float | None


def upc_of_largest(total: int, largest: int) -> float | None:
    """UPC from N and the contacts with the clinician seen most: what a GROUP BY can give."""
    return largest / total if total >= MIN_CONTACTS else None


def upc_of_counts(counts: Iterable[int]) -> float | None:
    """UPC from the number of contacts with each clinician."""
    counts = [c for c in counts if c > 0]
    return upc_of_largest(sum(counts), max(counts, default=0))


def coc_of_sums(total: int, sum_of_squares: int) -> float | None:
    """Bice-Boxerman COC from N and the sum of n_i squared: what a GROUP BY can give."""
    if total < MIN_CONTACTS:
        return None
    return (sum_of_squares - total) / (total * (total - 1))


def coc_of_counts(counts: Iterable[int]) -> float | None:
    counts = [c for c in counts if c > 0]
    return coc_of_sums(sum(counts), sum(c * c for c in counts))


def secon_of_pairs(total: int, same_as_previous: int) -> float | None:
    """SECON from N and how many contacts were with the same clinician as the contact before."""
    return same_as_previous / (total - 1) if total >= MIN_CONTACTS else None


def upc(seen: Sequence[Hashable]) -> float | None:
    return upc_of_counts(Counter(seen).values())


def coc(seen: Sequence[Hashable]) -> float | None:
    return coc_of_counts(Counter(seen).values())


def secon(seen: Sequence[Hashable]) -> float | None:
    return secon_of_pairs(len(seen), sum(a == b for a, b in zip(seen, seen[1:], strict=False)))


def indices(seen: Sequence[Hashable]) -> Indices:
    """All three for one person's contacts in date order."""
    return Indices(contacts=len(seen), upc=upc(seen), coc=coc(seen), secon=secon(seen))


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that could be worked out, or None when there are none."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None

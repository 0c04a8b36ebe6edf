"""Synthetic NHS numbers: the 999 test range, valid Modulus 11 check digit, unique, seeded.

The nine-digit stems 999000000-999999999 are visited in an order given by an affine
permutation i -> (a*i + b) mod 10**6 (a coprime with 10**6), with `a` and `b` drawn from the
seed. Every stem is visited once, so numbers never repeat; stems with no valid check digit
(about 1 in 11) and numbers the caller already uses are skipped. That leaves 909,091
possible numbers, so one practice can hold at most that many synthetic patients.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator

from tandem.patients.rules import nhs_check_digit

STEMS = 10**6
PREFIX = 999_000_000
CAPACITY = 909_091  # stems 999000000-999999999 with a valid check digit (counted in the tests)


class RangeExhausted(ValueError):
    pass


def nhs_numbers(seed: int, *, exclude: Collection[str] = ()) -> Iterator[str]:
    rng = random.Random(f"nhs-numbers:{seed}")
    a = rng.randrange(1, STEMS)
    while a % 2 == 0 or a % 5 == 0:
        a = rng.randrange(1, STEMS)
    b = rng.randrange(STEMS)
    for i in range(STEMS):
        stem = str(PREFIX + (a * i + b) % STEMS)
        check = nhs_check_digit(stem)
        if check is None:
            continue
        number = f"{stem}{check}"
        if number in exclude:
            continue
        yield number
    raise RangeExhausted(
        f"The 999 test range holds {CAPACITY:,} valid NHS numbers and all are used in this practice; "
        "load more synthetic patients into another practice."
    )

"""The reply link's rules: tokens, digests, expiry, lockout and the date of birth boxes. Pure."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from tandem.messaging import links

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
TODAY = dt.date(2026, 6, 15)


def test_a_token_is_url_safe_and_carries_at_least_32_random_bytes():
    tokens = {links.new_token()[0] for _ in range(500)}
    assert len(tokens) == 500
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
        assert len(token) >= 43  # 32 bytes in URL-safe base64
        assert links.looks_like_token(token)


def test_only_the_sha256_digest_is_kept_and_it_is_not_the_token():
    token, digest = links.new_token()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert token not in digest
    assert digest == links.digest(token)
    assert links.matches(token, digest)
    assert not links.matches(token + "x", digest)
    assert not links.matches(token, "")


@pytest.mark.parametrize("junk", ["", "abc", "a" * 42, "a" * 129, "../../etc/passwd" + "a" * 40, "a b" * 20,
                                  "é" * 50])
def test_anything_that_is_not_one_of_our_tokens_is_recognised_before_the_database(junk):
    assert not links.looks_like_token(junk)


@pytest.mark.parametrize(("starts", "expires"), [
    # summer time: the end of the day after is midnight at the start of the second day after
    (dt.datetime(2026, 6, 23, 10, 30, tzinfo=LONDON), dt.datetime(2026, 6, 25, 0, 0, tzinfo=LONDON)),
    # as the database hands it back (UTC): still the practice's day
    (dt.datetime(2026, 6, 23, 9, 30, tzinfo=UTC), dt.datetime(2026, 6, 25, 0, 0, tzinfo=LONDON)),
    # 00:30 in London on 24 June is still 23 June in UTC: London's day counts
    (dt.datetime(2026, 6, 23, 23, 30, tzinfo=UTC), dt.datetime(2026, 6, 26, 0, 0, tzinfo=LONDON)),
    # across the clocks going back (25 October 2026)
    (dt.datetime(2026, 10, 24, 16, 0, tzinfo=LONDON), dt.datetime(2026, 10, 26, 0, 0, tzinfo=LONDON)),
    # winter
    (dt.datetime(2026, 12, 31, 9, 0, tzinfo=LONDON), dt.datetime(2027, 1, 2, 0, 0, tzinfo=LONDON)),
])
def test_the_link_works_until_the_end_of_the_day_after_the_conversation(starts, expires):
    assert links.expires_at(starts) == expires
    assert not links.is_expired(expires, expires - dt.timedelta(seconds=1))
    assert links.is_expired(expires, expires)


def test_a_start_time_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        links.expires_at(dt.datetime(2026, 6, 23, 10, 30))


@pytest.mark.parametrize(("failures", "locked", "left"), [(0, False, 5), (1, False, 4), (4, False, 1),
                                                          (5, True, 0), (9, True, 0)])
def test_five_wrong_dates_of_birth_lock_the_link(failures, locked, left):
    assert links.MAX_FAILURES == 5
    assert links.is_locked_after(failures) is locked
    assert links.tries_left(failures) == left


def test_a_locked_link_says_locked_even_after_it_has_expired():
    now = dt.datetime(2026, 7, 1, tzinfo=UTC)
    expired = dt.datetime(2026, 6, 25, tzinfo=UTC)
    later = dt.datetime(2026, 7, 2, tzinfo=UTC)
    assert links.state(expires=expired, locked_at=None, now=now) is links.LinkState.EXPIRED
    assert links.state(expires=expired, locked_at=now, now=now) is links.LinkState.LOCKED
    assert links.state(expires=later, locked_at=None, now=now) is links.LinkState.OPEN


@pytest.mark.parametrize(("day", "month", "year", "date", "error"), [
    ("9", "3", "1950", dt.date(1950, 3, 9), ""),
    (" 09 ", "03", "1950", dt.date(1950, 3, 9), ""),
    ("", "", "", None, "Enter your date of birth"),
    ("9", "", "1950", None, "Your date of birth must include a month"),
    ("", "", "1950", None, "Your date of birth must include a day and a month"),
    ("9", "March", "1950", None, "Date of birth must be a real date, using numbers, like 31 3 1960"),
    ("31", "2", "1950", None, "Date of birth must be a real date, like 31 3 1960"),
    ("9", "13", "1950", None, "Date of birth must be a real date, like 31 3 1960"),
    ("9", "3", "50", None, "Enter the year in full, like 1960"),
    ("16", "6", "2026", None, "Date of birth must be in the past"),
    ("1", "1", "1800", None, "Date of birth must be a real date, like 31 3 1960"),
    ("1", "1", "99999999999999999999", None, "Date of birth must be a real date, using numbers, like 31 3 1960"),
    ("\u00b2", "1", "1950", None, "Date of birth must be a real date, using numbers, like 31 3 1960"),
])
def test_date_of_birth_boxes_give_a_date_or_a_clear_error(day, month, year, date, error):
    assert links.parse_date(day, month, year, today=TODAY) == (date, error)

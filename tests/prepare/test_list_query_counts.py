"""The list of packs reads what its rows show, in a fixed number of queries: it composes no pack
(a pack is composed when one is opened, previewed or sent), the number of queries does not grow with
the conversations listed or the people in the practice, and each row says exactly what composing the
pack would say (sent, ready, waiting for which results, no results in advance)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.core import clock
from tandem.prepare import actions
from tandem.prepare.presenters import packs as presenters
from tandem.prepare.queries import packs as queries
from tandem.prepare.rules import pack as pack_rules
from tests.recall.conftest import review_of
from tests.recall.crowd import crowd

LIST = "/prepare/?month=2026-06"
#: queries for the list of a month's packs, session and user-with-practice checks included (one query for both)
PINNED = 9  # and who sends packs at this practice (tandem.team), to offer the button or say who does


def list_queries(client) -> int:
    assert client.get(LIST).status_code == 200  # once first: anything cached per process is warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(captured)


def book_crowd(u, count: int, *, start: int) -> int:
    """Book a June conversation for each of `count` more people with an open review; how many were booked."""
    tz = timezone.get_current_timezone()
    booked = 0
    for i, patient in enumerate(crowd(u.practice, count, start=start)):
        review = review_of(patient)
        if review.status not in ("planned", "invited", "booked"):
            continue
        actions.book_conversation(review=review, by=u.admin, minutes=20, clinician=u.nurse,
                                  starts_at=dt.datetime(2026, 6, 26 + i % 5, 9 + i % 8, tzinfo=tz))
        booked += 1
    return booked


def rows_by_name(rows) -> dict[str, tuple]:
    return {r.name: (r.status, r.label, r.detail, r.how) for r in rows}


def composed_rows(u) -> dict[str, tuple]:
    talks = list(queries.in_scope(u.practice, month=dt.date(2026, 6, 1)).select_related(
        "patient", "review", "clinician", "practice").order_by("starts_at", "pk"))
    today = clock.today()
    return rows_by_name(presenters.row(p, today=today) for p in queries.prepare_many(u.practice, talks, today=today))


def listed_rows(u) -> dict[str, tuple]:
    today = clock.today()
    return rows_by_name(presenters.listed_row(p, today=today)
                        for p in queries.list_in_scope(u.practice, month=dt.date(2026, 6, 1), today=today))


@pytest.fixture
def nurse(client, booked):
    client.force_login(booked.nurse)
    return client


def test_the_list_composes_no_pack(nurse, booked, monkeypatch):
    def refuse(**_kwargs):
        raise AssertionError("the list composed a pack")

    monkeypatch.setattr(pack_rules, "compose", refuse)
    page = nurse.get(LIST).content.decode()
    assert "Arthur Bennett" in page and "Ready to send" in page
    assert "Waiting for results" in page and "Blood pressure" in page.split("Fatima Green")[1]


def test_each_row_says_what_the_composed_pack_would_say(booked):
    before = listed_rows(booked)
    assert before == composed_rows(booked)
    assert before["Fatima Green"][0] == "waiting"
    actions.set_results_in_advance(practice=booked.practice, patient=booked.fatima, by=booked.nurse, wanted=False)
    actions.send_packs(practice=booked.practice, by=booked.admin, month=dt.date(2026, 6, 1))
    after = listed_rows(booked)
    assert after == composed_rows(booked)
    assert {name: row[0] for name, row in after.items()} != {name: row[0] for name, row in before.items()}


def test_the_number_of_queries_does_not_grow_with_the_conversations_listed(nurse, booked):
    small = list_queries(nurse)
    assert book_crowd(booked, 24, start=0) > 5
    assert list_queries(nurse) == small


def test_the_number_of_queries_is_pinned(nurse, booked):
    assert list_queries(nurse) == PINNED, "queries for the list of packs changed: fix the page, not the number"


def test_everyone_listed_is_audited_as_viewed_in_one_statement(nurse, booked):
    from tandem.core.models import AuditEvent

    assert book_crowd(booked, 12, start=0) > 5
    listed = set(queries.in_scope(booked.practice, month=dt.date(2026, 6, 1)).values_list("patient_id", flat=True))
    assert nurse.get(LIST).status_code == 200  # once first: anything cached per process is warm
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as captured:
        assert nurse.get(LIST).status_code == 200
    audited = AuditEvent.objects.order_by("-pk")[: AuditEvent.objects.count() - before]
    assert {a.patient_id for a in audited} == listed
    assert all(a.what == "prepare.packs" and a.user_id == booked.nurse.pk for a in audited)
    inserts = [q["sql"] for q in captured if "core_auditevent" in q["sql"] and q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1


def test_each_row_links_to_its_conversation(nurse, booked):
    page = nurse.get(LIST).content.decode()
    talks = queries.in_scope(booked.practice, month=dt.date(2026, 6, 1)).order_by("pk")
    assert talks.exists()
    for talk in talks:
        assert f'href="/prepare/conversations/{talk.pk}/"' in page


def test_each_row_shows_the_reply_link_that_counts(nurse, booked):
    from tandem.messaging import queries as messaging_queries
    from tandem.messaging.models import ReplyLink

    actions.send_packs(practice=booked.practice, by=booked.admin, month=dt.date(2026, 6, 1))
    sent = {link.object_id: link for link in ReplyLink.objects.filter(practice=booked.practice, purpose="pack")}
    assert len(sent) >= 2
    now = clock.now()
    locked, replaced, *_ = sorted(sent.values(), key=lambda link: link.pk)
    ReplyLink.objects.filter(pk=locked.pk).update(locked_at=now, failures=5)
    # a newer link for the same conversation, expired: it counts, not the one before it
    ReplyLink.objects.create(practice=replaced.practice, patient=replaced.patient, purpose="pack",
                             object_id=replaced.object_id, token_hash="f" * 64, expires_at=now - dt.timedelta(days=1),
                             created_at=replaced.created_at + dt.timedelta(minutes=5))
    listed = queries.list_in_scope(booked.practice, month=dt.date(2026, 6, 1), now=now)
    expected = messaging_queries.current_link_states(booked.practice, "pack", [x.conversation_id for x in listed],
                                                     now=now)
    assert {x.conversation_id: x.link for x in listed if x.link is not None} == expected
    assert expected[locked.object_id].state.value == "locked" and expected[replaced.object_id].state.value == "expired"
    ReplyLink.objects.filter(object_id=locked.object_id).update(revoked_at=now)  # replaced, and nothing newer
    listed = queries.list_in_scope(booked.practice, month=dt.date(2026, 6, 1), now=now)
    assert locked.object_id not in {x.conversation_id for x in listed if x.link is not None}
    page = nurse.get(LIST).content.decode()
    assert page.count("Send a new link") == 1 and "Link expired" in page and "Link locked" not in page

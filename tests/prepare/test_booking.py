import pytest

from tandem.prepare import actions
from tandem.prepare.models import Conversation


def test_booking_fixture_books_three_conversations(booked):
    assert Conversation.objects.filter(practice=booked.practice, state="booked").count() == 3


def test_rebooking_with_a_stale_version_is_refused_and_changes_nothing(booked):
    talk = booked.arthur_talk
    actions.book_conversation(review=talk.review, by=booked.admin, starts_at=talk.starts_at, minutes=40,
                              clinician=booked.nurse, expected_version=talk.version)
    with pytest.raises(actions.ConversationError, match="Someone else changed this booking"):
        actions.book_conversation(review=talk.review, by=booked.nurse, starts_at=talk.starts_at, minutes=10,
                                  clinician=booked.nurse, expected_version=talk.version)
    talk.refresh_from_db()
    assert talk.minutes == 40

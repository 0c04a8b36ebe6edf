"""Planning reviews, sending invitations, responses and exceptions, through the actions."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.messaging.models import OutboxMessage
from tandem.recall import actions
from tandem.recall.models import Invitation, RecallException, Review, ReviewEvent
from tandem.recall.rules.status import ResponseNotAllowed

from .conftest import review_of

D = dt.date
JUNE = D(2026, 6, 1)


def send(practice, by, month=JUNE, today=None):
    return actions.send_due_invitations(practice=practice, month=month, by=by, today=today)


def test_everyone_on_a_register_gets_one_review_due_in_their_birth_month(planned):
    u = planned
    reviews = {r.patient_id: r for r in Review.objects.filter(practice=u.practice)}
    assert set(reviews) == {p.pk for p in (u.arthur, u.beatrice, u.colin, u.dilys, u.edwin, u.fatima)}
    assert reviews[u.arthur.pk].due_month == D(2027, 3, 1)
    assert reviews[u.beatrice.pk].due_month == D(2026, 7, 1)
    assert reviews[u.fatima.pk].due_month == D(2026, 6, 1)
    assert {r.review_year for r in reviews.values()} == {2026}
    assert {r.status for r in reviews.values()} == {"planned"}
    assert ReviewEvent.objects.filter(kind="planned").count() == 6
    assert AuditEvent.objects.filter(what="recall.review", action="create").count() == 6


def test_planning_again_creates_nothing(planned):
    summary = actions.plan_reviews(practice=planned.practice, by=planned.admin)
    assert (summary.created, summary.withdrawn, summary.reopened) == (0, 0, 0)
    assert Review.objects.count() == 6


def test_other_practices_are_untouched(planned):
    assert not Review.objects.filter(practice=planned.other_practice).exists()


def test_someone_who_leaves_every_register_is_withdrawn_and_comes_back_when_on_one_again(planned):
    from tandem.patients import actions as patient_actions
    from tandem.registers import actions as register_actions

    u = planned
    condition = u.dilys.conditions.get()
    patient_actions.resolve_condition(condition=condition, by=u.nurse, resolved_date=D(2026, 6, 1))
    register_actions.refresh_practice(practice=u.practice, by=None)
    summary = actions.plan_reviews(practice=u.practice, by=u.admin)
    assert summary.withdrawn == 1
    assert review_of(u.dilys).status == "withdrawn"
    patient_actions.record_condition(patient=u.dilys, by=u.nurse, code=condition.code, onset_date=D(2026, 6, 10))
    register_actions.refresh_practice(practice=u.practice, by=None)
    summary = actions.plan_reviews(practice=u.practice, by=u.admin)
    assert summary.reopened == 1 and review_of(u.dilys).status == "planned"


def test_june_sends_first_invitations_for_june_and_july(planned):
    u = planned
    summary = send(u.practice, u.admin)
    # Beatrice, Colin (July) and Fatima (June); Edwin (July) has no address; Dilys is due in August.
    assert (summary.first, summary.reminders, summary.no_address) == (3, 0, 1)
    messages = {m.patient_id: m for m in OutboxMessage.objects.all()}
    assert set(messages) == {u.beatrice.pk, u.colin.pk, u.fatima.pk}
    assert (messages[u.beatrice.pk].channel, messages[u.beatrice.pk].variant) == ("sms", "standard")
    assert (messages[u.colin.pk].channel, messages[u.colin.pk].variant) == ("letter", "large_print")
    assert messages[u.fatima.pk].channel == "email"
    assert {m.template for m in messages.values()} == {"recall_invitation"}
    beatrice = review_of(u.beatrice)
    assert (beatrice.status, beatrice.stage, beatrice.first_sent_on) == ("invited", 1, D(2026, 6, 15))
    invitation = Invitation.objects.get(review=beatrice)
    assert invitation.idempotency_key == f"recall:{beatrice.pk}:1-1"
    assert invitation.message == messages[u.beatrice.pk]
    assert invitation.scheduled_on == D(2026, 6, 3)
    assert review_of(u.edwin).status == "planned"


def test_the_letter_says_what_the_tests_appointment_involves(planned):
    u = planned
    send(u.practice, u.admin)
    letter = OutboxMessage.objects.get(patient=u.colin)
    assert "your asthma" in letter.body  # in plain words (tandem.terminology.plain_names)
    assert "a check of how you use your inhalers" in letter.body
    text = OutboxMessage.objects.get(patient=u.beatrice)
    assert "COPD" not in text.body and "obstructive" not in text.body  # no conditions in a text message


def test_sending_twice_sends_nothing_new(planned):
    u = planned
    send(u.practice, u.admin)
    again = send(u.practice, u.admin)
    assert again.queued == 0
    assert OutboxMessage.objects.count() == 3
    assert Invitation.objects.count() == 3


def test_reminders_two_and_four_weeks_later_then_an_exception(planned):
    u = planned
    send(u.practice, u.admin)  # 15 June
    with clock.frozen(D(2026, 6, 28)):
        assert send(u.practice, u.admin).reminders == 0  # not two weeks yet
    with clock.frozen(D(2026, 6, 29)):
        assert send(u.practice, u.admin).reminders == 3
    with clock.frozen(D(2026, 7, 13)):
        summary = send(u.practice, u.admin, month=D(2026, 7, 1))
        assert summary.reminders == 3
    beatrice = review_of(u.beatrice)
    assert beatrice.stage == 3
    assert [m.template for m in OutboxMessage.objects.filter(patient=u.beatrice).order_by("pk")] == [
        "recall_invitation", "recall_reminder", "recall_reminder"]
    with clock.frozen(D(2026, 7, 26)):
        assert send(u.practice, u.admin, month=D(2026, 7, 1)).exceptions == 0
    with clock.frozen(D(2026, 7, 27)):
        assert send(u.practice, u.admin, month=D(2026, 7, 1)).exceptions == 3
    exception = RecallException.objects.get(patient=u.beatrice)
    assert (exception.reason, exception.on, exception.review_year) == ("no_response", D(2026, 7, 27), 2026)
    assert review_of(u.beatrice).status == "excepted"


def test_booking_stops_the_reminders(planned):
    u = planned
    send(u.practice, u.admin)
    actions.record_response(review=review_of(u.beatrice), response="booked", by=u.admin,
                            appointment_on=D(2026, 7, 8), appointment_time=dt.time(10, 0))
    with clock.frozen(D(2026, 6, 29)):
        summary = send(u.practice, u.admin)
    assert summary.reminders == 2
    assert not Invitation.objects.filter(review__patient=u.beatrice, stage=2).exists()
    review = review_of(u.beatrice)
    assert (review.status, review.booked_for) == ("booked", D(2026, 7, 8))


def test_did_not_attend_invites_again(planned):
    u = planned
    send(u.practice, u.admin)
    review = review_of(u.beatrice)
    actions.record_response(review=review, response="booked", by=u.admin, appointment_on=D(2026, 7, 8),
                            appointment_time=dt.time(10, 0))
    with clock.frozen(D(2026, 7, 8)):
        review = actions.record_response(review=review, response="did_not_attend", by=u.admin)
        assert (review.status, review.round, review.stage) == ("did_not_attend", 2, 0)
        summary = send(u.practice, u.admin, month=D(2026, 7, 1))
    assert summary.first == 2  # Beatrice again, and Dilys (due in August) for the first time
    invitation = Invitation.objects.get(review=review, round=2)
    assert (invitation.stage, invitation.idempotency_key) == (1, f"recall:{review.pk}:2-1")
    assert review_of(u.beatrice).status == "invited"


def test_declining_is_an_exception_for_the_year_that_lapses_next_year(planned):
    u = planned
    review = actions.record_response(review=review_of(u.arthur), response="declined", by=u.admin)
    assert review.status == "declined"
    exception = RecallException.objects.get(review=review)
    assert (exception.reason, exception.on, exception.recorded_by) == ("informed_dissent", D(2026, 6, 15), u.admin)
    send(u.practice, u.admin, month=D(2027, 2, 1), today=D(2027, 2, 10))
    assert not OutboxMessage.objects.filter(patient=u.arthur).exists()
    # The next review year: a new review, invited as usual.
    with clock.frozen(D(2027, 4, 2)):
        summary = actions.plan_reviews(practice=u.practice, by=u.admin)
        assert summary.created == 6
    new = Review.objects.get(patient=u.arthur, review_year=2027)
    assert (new.status, new.due_month) == ("planned", D(2028, 3, 1))


def test_answering_after_an_exception_lifts_it(planned):
    u = planned
    review = actions.record_response(review=review_of(u.arthur), response="declined", by=u.admin)
    actions.record_response(review=review, response="booked", by=u.admin, appointment_on=D(2026, 7, 1),
                            appointment_time=dt.time(9, 0))
    exception = RecallException.objects.get(review=review)
    assert exception.lifted_on == D(2026, 6, 15)


def test_impossible_responses_are_refused(planned):
    u = planned
    with pytest.raises(ResponseNotAllowed, match="Only a booked review can be missed"):
        actions.record_response(review=review_of(u.arthur), response="did_not_attend", by=u.admin)
    with pytest.raises(ResponseNotAllowed, match="future"):
        actions.record_response(review=review_of(u.arthur), response="attended", by=u.admin, on=D(2026, 6, 16))
    assert review_of(u.arthur).status == "planned"


def test_responses_are_history_with_who_and_when(planned):
    u = planned
    review = actions.record_response(review=review_of(u.arthur), response="booked", by=u.admin,
                                     appointment_on=D(2026, 6, 20), appointment_time=dt.time(9, 0))
    actions.record_response(review=review, response="attended", by=u.nurse)
    kinds = list(ReviewEvent.objects.filter(review=review).values_list("kind", "recorded_by__username"))
    assert kinds == [("planned", "admin"), ("booked", "admin"), ("attended", "nurse")]
    with pytest.raises(PermissionError):
        ReviewEvent.objects.filter(review=review).update(kind="declined")
    with pytest.raises(PermissionError):
        ReviewEvent.objects.filter(review=review).first().delete()
    assert AuditEvent.objects.filter(what="recall.review", action="update", patient_id=u.arthur.pk).count() == 2


def test_changing_the_scheme_moves_reviews_not_yet_invited(planned):
    u = planned
    send(u.practice, u.admin)
    change = actions.SettingsChange(scheme="quarter", condition_months=(), first_invitation_weeks=4,
                                    reminder_weeks=(2, 4), response_wait_days=14, hca_minutes=600,
                                    nurse_minutes=900, pharmacist_minutes=0, gp_minutes=120)
    settings, moved = actions.save_settings(practice=u.practice, by=u.manager, change=change)
    assert settings.scheme == "quarter" and settings.available().clinician == 1020
    from tandem.recall.rules.schedule import due_month

    for p in (u.arthur, u.dilys, u.edwin):
        quarter = due_month(patient_id=p.pk, date_of_birth=p.date_of_birth, conditions=[], review_year=2026,
                            scheme="quarter")
        due = review_of(p).due_month
        # the quarter's first month, or (April having passed) a month left in the year
        assert due == quarter if quarter >= D(2026, 6, 1) else D(2026, 6, 1) <= due <= D(2027, 3, 1)
    assert review_of(u.beatrice).due_month == D(2026, 7, 1)  # already invited: left alone
    assert moved == ReviewEvent.objects.filter(kind="replanned").count()


def test_by_condition_scheme(planned):
    u = planned
    change = actions.SettingsChange(scheme="condition", condition_months=(("copd", 10), ("hypertension", 11)),
                                    first_invitation_weeks=4, reminder_weeks=(2, 4), response_wait_days=14,
                                    hca_minutes=0, nurse_minutes=0, pharmacist_minutes=0, gp_minutes=0)
    actions.save_settings(practice=u.practice, by=u.manager, change=change)
    assert review_of(u.beatrice).due_month == D(2026, 10, 1)
    assert review_of(u.arthur).due_month == D(2026, 11, 1)
    assert review_of(u.dilys).due_month == D(2026, 8, 1)  # depression not listed: birth month


@pytest.mark.parametrize("bad", [
    {"reminder_weeks": (4, 2)},
    {"scheme": "lunar"},
    {"condition_months": (("gout", 3),)},
    {"condition_months": (("copd", 13),)},
])
def test_settings_that_make_no_sense_are_refused(planned, bad):
    values = dict(scheme="birth_month", condition_months=(), first_invitation_weeks=4, reminder_weeks=(2, 4),
                  response_wait_days=14, hca_minutes=0, nurse_minutes=0, pharmacist_minutes=0, gp_minutes=0)
    values.update(bad)
    with pytest.raises(actions.SettingsError):
        actions.save_settings(practice=planned.practice, by=planned.manager, change=actions.SettingsChange(**values))


def test_planning_command(recall):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("recall_plan", practice="A81001", stdout=out)
    assert "A81001: 6 planned, 0 no longer needed, 0 needed again (review year 2026)" in out.getvalue()
    call_command("recall_plan", stdout=out)
    assert "A81001: 0 planned" in out.getvalue() and "B82002: 0 planned" in out.getvalue()

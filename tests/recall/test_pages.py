"""The recall board and its pages, as staff use them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.jobs import worker
from tandem.jobs.models import Job
from tandem.messaging.models import OutboxMessage
from tandem.recall.models import Review

from .conftest import ADDRESS, person, review_of

D = dt.date
BOARD = "/recall/"


@pytest.fixture
def admin(client, planned):
    client.force_login(planned.admin)
    return client


def names(response) -> set[str]:
    text = response.content.decode()
    return {n for n in ("Arthur", "Beatrice", "Colin", "Dilys", "Edwin", "Fatima", "Margaret", "Brian") if n in text}


def test_the_board_shows_who_is_due_this_month_and_next(admin, planned):
    response = admin.get(BOARD)
    assert response.status_code == 200
    # June: Fatima (caught up); July: Beatrice, Colin, Edwin. Not Arthur (March) or Dilys (August).
    assert names(response) == {"Beatrice", "Colin", "Edwin", "Fatima"}
    page = response.content.decode()
    assert "Send this month&#39;s invitations" in page or "Send this month's invitations" in page
    assert "Staff time" in page
    assert AuditEvent.objects.filter(what="recall.board", action="search", user=planned.admin).exists()


def test_each_row_says_what_the_tests_appointment_needs_and_how_they_are_invited(admin, planned):
    page = admin.get(BOARD).content.decode()
    assert "Tests: 44 min: HCA 9, nurse 35" in page  # Beatrice, COPD
    assert "Inhaler technique (nurse, 5 min)" in page
    assert "Text message" in page  # Beatrice
    assert "Letter (large print)" in page  # Colin
    assert "No postal address, mobile number or email address" in page  # Edwin
    assert "GP or specialist nurse" in page  # Edwin: who to book him with
    assert "Because of" not in page  # the clinical reasons are not for administrators


def test_clinicians_see_why_a_conversation_needs_a_gp_or_specialist_nurse(client, planned):
    client.force_login(planned.nurse)
    page = client.get(BOARD).content.decode()
    assert "GP or specialist nurse" in page and "Because of Heart failure" in page  # Edwin


def test_filters(admin, planned):
    assert names(admin.get(BOARD + "?condition=copd")) == {"Beatrice"}
    assert names(admin.get(BOARD + "?when=year")) == {"Arthur", "Beatrice", "Colin", "Dilys", "Edwin", "Fatima"}
    assert names(admin.get(BOARD + "?when=next&status=planned")) == {"Beatrice", "Colin", "Edwin"}
    # an administrator has no filter by risk tier (docs/roles.md): tests/recall/test_no_clinical_detail_for_administrators.py


def test_people_no_longer_on_a_register_are_shown_only_when_asked_for(admin, planned):
    from tandem.patients import actions as patient_actions
    from tandem.recall import actions
    from tandem.registers import actions as register_actions

    patient_actions.resolve_condition(condition=planned.beatrice.conditions.get(), by=planned.nurse,
                                      resolved_date=D(2026, 6, 1))
    register_actions.refresh_practice(practice=planned.practice, by=None)
    actions.plan_reviews(practice=planned.practice, by=planned.admin)
    assert "Beatrice" not in names(admin.get(BOARD))
    assert names(admin.get(BOARD + "?status=withdrawn")) == {"Beatrice"}


def test_filter_by_cohort(admin, planned):
    from tandem.registers import actions as register_actions

    cohort = register_actions.save_cohort(practice=planned.practice, by=planned.manager, name="Breathing",
                                          definition={"any_of": ["copd", "asthma"]})
    assert names(admin.get(BOARD + f"?when=year&cohort={cohort.pk}")) == {"Beatrice", "Colin"}


def test_another_practices_cohort_is_refused(admin, planned):
    from tandem.registers import actions as register_actions

    theirs = register_actions.save_cohort(practice=planned.other_practice, by=None, name="Theirs", definition={})
    response = admin.get(BOARD + f"?cohort={theirs.pk}")
    assert "That cohort does not exist in this practice" in response.content.decode()
    assert names(response) == set()


def test_search_is_posted_and_kept_out_of_the_address(admin, planned):
    response = admin.post(BOARD + "?when=year", {"q": "cole"})
    assert response.status_code == 302 and "cole" not in response["Location"].lower()
    assert names(admin.get(response["Location"])) == {"Beatrice"}
    assert names(admin.get(BOARD + "?when=year")) == {"Beatrice"}  # kept until cleared
    admin.post(BOARD, {"clear": "1"})
    assert len(names(admin.get(BOARD + "?when=year"))) == 6
    searches = AuditEvent.objects.filter(what="recall.board")
    assert all("cole" not in str(e.detail).lower() for e in searches)


def test_a_search_that_cannot_run_says_why(admin, planned):
    admin.post(BOARD, {"q": "999 000 0019"})
    response = admin.get(BOARD)
    assert "There is a problem" in response.content.decode()


def test_other_practices_people_never_appear(client, planned):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    other_admin = core_actions.add_staff(practice=planned.other_practice, username="otheradmin", role=Role.ADMIN,
                                         by=None)
    client.force_login(other_admin)
    assert names(client.get(BOARD + "?when=year")) == set()


def test_csv_export_lists_the_rows_and_is_audited(admin, planned):
    response = admin.get(reverse("recall:export") + "?when=year&condition=hypertension")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["NHS number", "Name", "Date of birth"]
    assert {r[1] for r in rows[1:]} == {"Arthur BENNETT", "Fatima GREEN"}
    exported = set(AuditEvent.objects.filter(what="recall.export", action="export").values_list("patient_id", flat=True))
    assert exported == {planned.arthur.pk, planned.fatima.pk}


def test_csv_export_is_safe_against_formula_injection(admin, planned):
    from tandem.recall import actions
    from tandem.registers import actions as register_actions

    person(planned.practice, nhs_number="9990000093", given='=HYPERLINK("http://evil.example","x")',
           family="+Cmd", born=D(1961, 7, 4), conditions=["asthma"], **ADDRESS)
    register_actions.refresh_practice(practice=planned.practice, by=None)
    actions.plan_reviews(practice=planned.practice, by=planned.admin)
    response = admin.get(reverse("recall:export") + "?condition=asthma")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x") +CMD' in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)


def test_send_runs_as_a_job_and_pressing_twice_sends_nothing_new(admin, planned):
    first = admin.post(reverse("recall:send"))
    assert first.status_code == 302
    admin.post(reverse("recall:send"))
    jobs = Job.objects.filter(kind="recall.send_invitations")
    assert jobs.count() == 1
    job = jobs.get()
    assert job.params == {"month": "2026-06-01", "beyond_capacity": False} and job.created_by == planned.admin
    page = admin.get(BOARD).content.decode()
    assert f'id="job-{job.pk}-progress"' in page
    worker.run_pending(limit=1)
    job.refresh_from_db()
    assert job.state == "done" and job.done == job.total == 4
    assert "3 invitations and 0 reminders queued" in job.message
    assert OutboxMessage.objects.count() == 3
    # The outbox is asked to send them.
    assert Job.objects.filter(kind="messaging.dispatch", idempotency_key=f"recall:dispatch:{job.pk}").exists()
    # The next day: a new job, which finds nothing new to send.
    with clock.frozen(D(2026, 6, 16)):
        admin.post(reverse("recall:send"))
        worker.run_pending(limit=1)
    assert Job.objects.filter(kind="recall.send_invitations").count() == 2
    assert OutboxMessage.objects.count() == 3


def test_record_a_response_from_the_board(admin, planned):
    url = reverse("recall:respond", kwargs={"patient_id": planned.beatrice.pk})
    response = admin.post(url, {"response": "declined", "next": BOARD + "?when=next"})
    assert response.status_code == 302 and response["Location"] == BOARD + "?when=next"
    assert review_of(planned.beatrice).status == "declined"
    follow = admin.get(response["Location"])
    assert "Recorded for Beatrice COLE: declined (informed dissent)." in follow.content.decode()


def test_a_response_that_makes_no_sense_is_explained(admin, planned):
    url = reverse("recall:respond", kwargs={"patient_id": planned.beatrice.pk})
    response = admin.post(url, {"response": "did_not_attend", "next": BOARD})
    assert review_of(planned.beatrice).status == "planned"
    assert response.status_code == 400
    assert "Only a booked review can be missed" in response.content.decode()


def test_the_next_address_must_be_the_board(admin, planned):
    url = reverse("recall:respond", kwargs={"patient_id": planned.beatrice.pk})
    response = admin.post(url, {"response": "declined", "next": "https://evil.example/recall/"})
    assert response["Location"] == reverse("recall:review", kwargs={"patient_id": planned.beatrice.pk})


def test_review_page_with_history_and_a_booking_date(admin, planned):
    url = reverse("recall:review", kwargs={"patient_id": planned.arthur.pk})
    page = admin.get(url).content.decode()
    assert "Diabetic foot check" in page and "Blood sample" in page
    assert page.count("<td class=\"nhsuk-table__cell\">Blood pressure</td>") == 1
    assert "Please bring a sample of the first urine" in page
    response = admin.post(reverse("recall:respond", kwargs={"patient_id": planned.arthur.pk}), {
        "response": "booked", "appointment-day": "2", "appointment-month": "7", "appointment-year": "2026",
        "appointment_time": "10:30"})
    assert response.status_code == 302
    review = review_of(planned.arthur)
    assert (review.status, review.booked_for, review.booked_time) == ("booked", D(2026, 7, 2), dt.time(10, 30))
    page = admin.get(url).content.decode()
    assert "Booked for 2 July 2026 at 10:30" in page
    assert AuditEvent.objects.filter(what="recall.review", action="view", patient_id=planned.arthur.pk).exists()


def test_review_page_errors_are_shown_on_the_page(admin, planned):
    url = reverse("recall:respond", kwargs={"patient_id": planned.arthur.pk})
    response = admin.post(url, {"response": "attended", "on-day": "31", "on-month": "2", "on-year": "2026"})
    assert response.status_code == 400
    assert "must be a real date" in response.content.decode()
    response = admin.post(url, {})
    assert response.status_code == 400 and "Select the person&#39;s response" in response.content.decode()
    assert review_of(planned.arthur).status == "planned"


def test_someone_without_a_review(admin, planned):
    page = admin.get(reverse("recall:review", kwargs={"patient_id": planned.patient.pk}))
    assert page.status_code == 200 and "No annual review is planned" in page.content.decode()


def test_another_practices_patient_is_not_found(admin, planned):
    for name in ("recall:review", "recall:respond"):
        url = reverse(name, kwargs={"patient_id": planned.foreign_patient.pk})
        assert admin.get(url).status_code == 404
        assert admin.post(url, {"response": "booked"}).status_code == 404


def test_only_the_practice_manager_changes_settings(client, planned):
    client.force_login(planned.admin)
    assert client.get(reverse("recall:settings")).status_code == 403
    client.force_login(planned.manager)
    assert client.get(reverse("recall:settings")).status_code == 200
    data = {"scheme": "birth_month", "first_invitation_weeks": "6", "reminder_weeks": "2, 5",
            "response_wait_days": "21", "hca_minutes": "600", "nurse_minutes": "1200", "pharmacist_minutes": "0",
            "gp_minutes": "240"}
    response = client.post(reverse("recall:settings"), data)
    assert response.status_code == 302
    from tandem.recall.queries import settings_for

    saved = settings_for(planned.practice)
    assert (saved.first_invitation_weeks, saved.reminder_weeks, saved.gp_minutes) == (6, [2, 5], 240)
    board = client.get(BOARD).content.decode()
    assert "1,440" in board  # clinician minutes available a week


def test_settings_errors(client, planned):
    client.force_login(planned.manager)
    data = {"scheme": "condition", "first_invitation_weeks": "x", "reminder_weeks": "4, 2",
            "response_wait_days": "14", "hca_minutes": "0", "nurse_minutes": "0", "pharmacist_minutes": "0",
            "gp_minutes": "0"}
    response = client.post(reverse("recall:settings"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give at least one condition a month" in page
    assert "Enter a whole number of weeks" in page
    assert "later than the one before" in page


def test_settings_by_condition_moves_reviews(client, planned):
    client.force_login(planned.manager)
    data = {"scheme": "condition", "first_invitation_weeks": "4", "reminder_weeks": "2, 4",
            "response_wait_days": "14", "hca_minutes": "0", "nurse_minutes": "0", "pharmacist_minutes": "0",
            "gp_minutes": "0", "month_copd": "10", "month_hypertension": "11", "order_hypertension": "1"}
    response = client.post(reverse("recall:settings"), data)
    assert response.status_code == 302
    assert review_of(planned.beatrice).due_month == D(2026, 10, 1)
    assert Review.objects.get(patient=planned.arthur).due_month == D(2026, 11, 1)
    form = client.get(reverse("recall:settings")).content.decode()
    assert 'id="order_hypertension" name="order_hypertension" inputmode="numeric" value="1"' in form


def test_capacity_shortfall_is_flagged(client, planned):
    client.force_login(planned.manager)
    data = {"scheme": "birth_month", "first_invitation_weeks": "4", "reminder_weeks": "2, 4",
            "response_wait_days": "14", "hca_minutes": "5", "nurse_minutes": "10", "pharmacist_minutes": "0",
            "gp_minutes": "0"}
    client.post(reverse("recall:settings"), data)
    page = client.get(BOARD).content.decode()
    assert "Not enough staff time" in page and "minutes short" in page


def test_update_the_list_from_the_registers(client, recall):
    client.force_login(recall.admin)
    page = client.get(BOARD).content.decode()
    assert "6 people are on a register with no review planned for 2026/27" in page
    response = client.post(reverse("recall:plan"))
    assert response.status_code == 302
    page = client.get(BOARD).content.decode()
    assert "The list is up to date with the registers: 6 new reviews planned." in page
    assert "no review planned" not in page
    assert Review.objects.filter(practice=recall.practice).count() == 6


def test_sending_plans_anyone_new_first(client, recall):
    client.force_login(recall.admin)
    client.post(reverse("recall:send"))
    worker.run_pending(limit=1)
    assert Review.objects.filter(practice=recall.practice).count() == 6
    assert OutboxMessage.objects.count() == 3


def test_a_recall_session_logs_no_identifiers(admin, planned, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    admin.post(BOARD, {"q": "Cole"}, follow=True)
    admin.post(BOARD, {"clear": "1"}, follow=True)
    admin.get(reverse("recall:export"))
    admin.post(reverse("recall:respond", kwargs={"patient_id": planned.beatrice.pk}),
               {"response": "did_not_attend", "next": BOARD}, follow=True)
    admin.post(reverse("recall:send"))
    worker.run_pending()
    admin.get(reverse("recall:review", kwargs={"patient_id": planned.foreign_patient.pk}))  # a 404
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for identifier in ("Cole", "Beatrice", "9990000042", "999 000 0042", "LS1 5AB", "Hollis", "colin@example.org"):
        assert identifier not in logged, f"{identifier!r} reached the logs"


def test_dates_come_in_as_the_nhsuk_date_input_names_its_boxes(admin, planned):
    """The NHS.UK date input posts appointment[day], appointment[month], appointment[year]."""
    url = reverse("recall:respond", kwargs={"patient_id": planned.arthur.pk})
    response = admin.post(url, {"response": "booked", "appointment[day]": "3", "appointment[month]": "7",
                                "appointment[year]": "2026", "appointment_time": "9:15"})
    assert response.status_code == 302
    assert review_of(planned.arthur).booked_for == D(2026, 7, 3)

"""The audit log is kept for the retention period (TANDEM_AUDIT_RETENTION_DAYS, 8 years by default)
and no longer: `tandem retention` removes older rows, records that it did, and nothing else can."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.privacy import retention

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


def rows(universe, *, days_ago: list[int], practice=None, what="patient.summary"):
    AuditEvent.objects.bulk_create([
        AuditEvent(at=NOW - dt.timedelta(days=d), user=universe.nurse, practice=practice or universe.practice,
                   action="view", what=what, patient_id=universe.patient.pk) for d in days_ago])


@pytest.fixture
def now():
    with clock.frozen(NOW):
        yield NOW


def test_by_default_the_log_is_kept_eight_years(settings):
    assert settings.TANDEM_AUDIT_RETENTION_DAYS == 2922


def test_rows_older_than_the_period_are_removed_and_newer_ones_kept(universe, now, settings):
    settings.TANDEM_AUDIT_RETENTION_DAYS = 365
    rows(universe, days_ago=[366, 400, 3000])
    rows(universe, days_ago=[364, 10, 0])
    rows(universe, days_ago=[500], practice=universe.other_practice)
    removed = retention.remove_expired()
    assert removed.total == 4
    kept = AuditEvent.objects.filter(what="patient.summary")
    assert sorted((NOW - e.at).days for e in kept) == [0, 10, 364]


def test_each_removal_is_itself_recorded_per_practice_without_identifiers(universe, now, settings):
    settings.TANDEM_AUDIT_RETENTION_DAYS = 365
    rows(universe, days_ago=[400, 401])
    rows(universe, days_ago=[500], practice=universe.other_practice)
    retention.remove_expired()
    records = {e.practice_id: e for e in AuditEvent.objects.filter(what="audit.retention")}
    assert set(records) == {universe.practice.pk, universe.other_practice.pk}
    mine = records[universe.practice.pk]
    assert mine.action == "delete" and mine.patient_id is None
    assert mine.detail == {"removed": 2, "before": "2025-12-05", "days": 365}
    assert records[universe.other_practice.pk].detail["removed"] == 1


def test_running_again_removes_nothing_more_and_records_nothing(universe, now, settings):
    settings.TANDEM_AUDIT_RETENTION_DAYS = 365
    rows(universe, days_ago=[400])
    retention.remove_expired()
    again = retention.remove_expired()
    assert again.total == 0
    assert AuditEvent.objects.filter(what="audit.retention").count() == 1


def test_it_works_through_a_large_log_in_batches(universe, now, settings):
    settings.TANDEM_AUDIT_RETENTION_DAYS = 365
    rows(universe, days_ago=[366 + i % 100 for i in range(250)] + [1, 2])
    assert retention.remove_expired(batch=40).total == 250
    assert AuditEvent.objects.filter(what="patient.summary").count() == 2


def test_the_command_says_what_it_did_and_a_dry_run_removes_nothing(universe, now, settings):
    settings.TANDEM_AUDIT_RETENTION_DAYS = 365
    rows(universe, days_ago=[400, 500, 1])
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "Would remove 2 audit rows older than 365 days (before 5 December 2025)."
    assert AuditEvent.objects.filter(what="patient.summary").count() == 3
    out = StringIO()
    call_command("retention", stdout=out)
    assert out.getvalue().strip() == "Removed 2 audit rows older than 365 days (before 5 December 2025)."
    out = StringIO()
    call_command("retention", "--days", "3000", stdout=out)
    assert "nothing to remove" in out.getvalue()


def test_a_period_under_a_day_is_refused_with_a_clear_message(universe, now):
    with pytest.raises(CommandError, match="at least one day"):
        call_command("retention", "--days", "0")


def test_the_log_still_refuses_deletes_everywhere_else(universe, now):
    rows(universe, days_ago=[5000])
    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.filter(what="patient.summary").delete()
    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.first().delete()


def test_records_of_sign_ins_are_kept_as_long_as_the_logs_not_the_audit(universe, now, settings):
    from axes.models import AccessFailureLog, AccessLog

    settings.LOG_RETENTION_DAYS = 30
    old, recent = now - dt.timedelta(days=31), now - dt.timedelta(days=29)
    for at in (old, recent):  # attempt_time is stamped on creation, so set afterwards
        made = AccessLog.objects.create(username="nurse", ip_address="127.0.0.1", user_agent="x")
        AccessLog.objects.filter(pk=made.pk).update(attempt_time=at)
        made = AccessFailureLog.objects.create(username="nurse", ip_address="127.0.0.1", user_agent="x")
        AccessFailureLog.objects.filter(pk=made.pk).update(attempt_time=at)
    out = StringIO()
    call_command("retention", stdout=out)
    assert "Removed 2 records of sign-ins" in out.getvalue()
    assert list(AccessLog.objects.values_list("attempt_time", flat=True)) == [recent]
    assert list(AccessFailureLog.objects.values_list("attempt_time", flat=True)) == [recent]

"""Audit rows written in bulk (a list page, an import) are the rows one model instance per person
would give: same columns and values, one row per person in the order given, in one statement per batch."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tandem.core import audit
from tandem.core.models import AuditEvent

COLUMNS = ("at", "user_id", "practice_id", "action", "what", "patient_id", "object_id", "detail")


def written_since(last: int) -> list[tuple]:
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk").values_list(*COLUMNS))


def last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def by_instances(**kwargs) -> list[tuple]:
    """What one model instance per person writes."""
    last = last_pk()
    ids = kwargs.pop("patient_ids")
    detail = kwargs.pop("detail", None) or {}
    AuditEvent.objects.bulk_create([AuditEvent(at=audit.clock.now(), patient_id=pid, detail=detail, **kwargs)
                                    for pid in ids])
    return written_since(last)


@pytest.mark.parametrize("detail", [None, {"rows": 3, "kinds": ["Observation", "Condition"], "note": "é"}])
def test_bulk_rows_are_the_rows_one_instance_each_would_write(universe, detail):
    ids = [universe.patient.pk, 912_345_678_901, universe.foreign_patient.pk, universe.patient.pk]
    last = last_pk()
    assert audit.record_many(by=universe.nurse, practice=universe.practice, action=AuditEvent.Action.VIEW,
                             what="prepare.packs", patient_ids=iter(ids), detail=detail) == len(ids)
    written = written_since(last)
    assert [row[5] for row in written] == ids  # in the order given
    assert written == by_instances(user=universe.nurse, practice=universe.practice,
                                   action=AuditEvent.Action.VIEW, what="prepare.packs", patient_ids=ids,
                                   detail=detail)


def test_no_user_or_practice_and_no_one_listed(universe):
    last = last_pk()
    assert audit.record_many(by=None, practice=None, action="create", what="synth.patient", patient_ids=[]) == 0
    assert written_since(last) == []
    audit.record_many(by=None, practice=None, action="create", what="synth.patient", patient_ids=[7])
    ((at, user, practice, action, what, patient, object_id, detail),) = written_since(last)
    assert (user, practice, action, what, patient, object_id, detail) == (None, None, "create", "synth.patient",
                                                                          7, "", {})
    assert at == audit.clock.now()


def test_one_statement_per_batch(universe):
    last = last_pk()
    with CaptureQueriesContext(connection) as captured:
        audit.record_many(by=universe.nurse, practice=universe.practice, action="view", what="registers.worklist",
                          patient_ids=range(1, 12), batch_size=5)
    inserts = [q for q in captured if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 3
    assert [row[5] for row in written_since(last)] == list(range(1, 12))


def test_a_value_too_long_for_its_column_is_refused_not_cut(universe):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite does not enforce the length of text columns")
    last = last_pk()
    with pytest.raises(DatabaseError), transaction.atomic():
        audit.record_many(by=None, practice=None, action="view", what="x" * 61, patient_ids=[1])
    assert written_since(last) == []

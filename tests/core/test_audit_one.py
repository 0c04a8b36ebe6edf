"""One audit row, written with a prepared INSERT: the same row Django's ORM writes, for every kind of
value (no user, no practice, no person, a detail with unicode and nesting)."""

from __future__ import annotations

import pytest

from tandem.core import audit, clock
from tandem.core.models import AuditEvent


@pytest.mark.parametrize("with_user", [True, False])
def test_a_row_is_the_row_the_orm_would_write(universe, with_user):
    by = universe.nurse if with_user else None
    detail = {"filters": {"when": "both"}, "note": "Zoë’s “review”", "results": 3}
    audit.record(by=by, practice=universe.practice, action="view", what="patient.summary",
                 patient_id=universe.patient.pk, object_id=42, detail=detail)
    AuditEvent.objects.create(at=clock.now(), user=by, practice=universe.practice, action="view",
                              what="patient.summary", patient_id=universe.patient.pk, object_id="42", detail=detail)
    fields = ("at", "user_id", "practice_id", "action", "what", "patient_id", "object_id", "detail")
    mine, orms = AuditEvent.objects.filter(what="patient.summary").order_by("pk").values_list(*fields)
    assert mine == orms


def test_a_row_about_no_one_in_no_practice(db):
    audit.record(by=None, practice=None, action="view", what="healthz")
    row = AuditEvent.objects.get(what="healthz")
    assert (row.user_id, row.practice_id, row.patient_id, row.object_id, row.detail) == (None, None, None, "", {})

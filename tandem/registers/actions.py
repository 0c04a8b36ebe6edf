"""Writes of the registers app: refreshing registers and tiers, tier settings, cohorts.

Keyword-only, atomic, the acting user named (`by=`), audited with counts only.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction

from tandem.core import audit, clock, derived
from tandem.core.db_statistics import refresh_statistics
from tandem.core.models import Practice, User

from . import refresh
from .models import Cohort, PatientRisk, RegisterMembership, TierSettings
from .queries import thresholds_for
from .rules import cohorts as cohort_rules
from .rules.risk import FRAILTY_ORDER, TIERS, Thresholds

logger = logging.getLogger(__name__)


@dataclass
class RefreshSummary:
    practice_id: int
    patients: int = 0  # registered patients on at least one register
    memberships: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_memberships(self) -> int:
        return sum(self.memberships.values())

    def text(self) -> str:
        """Counts only, for staff and logs: '1,234 people on 2,345 register entries'."""
        people = "person" if self.patients == 1 else "people"
        entries = "entry" if self.total_memberships == 1 else "entries"
        return f"{self.patients:,} {people} on {self.total_memberships:,} register {entries}"


def refresh_practice(*, practice: Practice, by: User | None) -> RefreshSummary:
    """Recompute the practice's register memberships and risk tiers, set-based, as of today.

    One transaction: the practice row is locked (PostgreSQL) so two refreshes of one practice
    queue rather than interleave; memberships and tiers are deleted and re-inserted; one audit
    row records the counts. Running it twice gives the same rows.
    """
    started = time.perf_counter()
    today = clock.today()
    summary = RefreshSummary(practice_id=practice.pk)
    with transaction.atomic():
        list(Practice.objects.select_for_update().filter(pk=practice.pk).values_list("pk", flat=True))
        thresholds = thresholds_for(practice)
        with connection.cursor() as cursor:
            refresh.replace_memberships(cursor, practice_id=practice.pk, today=today)
            memberships = refresh.read_memberships(cursor, practice_id=practice.pk)
            inputs = refresh.read_risk_inputs(cursor, practice_id=practice.pk, today=today, memberships=memberships)
            rows, tiers = refresh.risk_rows(practice_id=practice.pk, today=today, inputs=inputs,
                                            thresholds=thresholds)
            refresh.replace_risks(cursor, practice_id=practice.pk, rows=rows)
        derived.changed(refresh_practice, practice_id=practice.pk, patient_ids=None, what={derived.REGISTERS})
        summary.memberships = {slug: 0 for slug in refresh.risk_register_order()}
        for registers in memberships.values():
            for slug in registers:
                summary.memberships[slug] += 1
        summary.patients = len(rows)
        summary.tiers = {tier: tiers.get(tier, 0) for tier in TIERS}
        audit.record(by=by, practice=practice, action="update", what="registers.refresh", object_id=practice.pk,
                     detail={"patients": summary.patients, "memberships": summary.total_memberships,
                             "registers": summary.memberships, "tiers": summary.tiers,
                             "as_of": today.isoformat()})
    # The rows were all replaced: fresh planner statistics, or the recall board and cohorts that join
    # on them are planned as if the tables were empty (a step taken once the transaction has committed).
    transaction.on_commit(lambda: refresh_statistics([RegisterMembership, PatientRisk]))
    summary.seconds = time.perf_counter() - started
    logger.info("registers refreshed practice=%s patients=%s memberships=%s seconds=%.2f",
                practice.pk, summary.patients, summary.total_memberships, summary.seconds)
    return summary


def refresh_all(*, by: User | None) -> list[RefreshSummary]:
    """Every practice, one transaction each (so a large estate never holds one long lock)."""
    return [refresh_practice(practice=practice, by=by) for practice in Practice.objects.order_by("pk")]


# --- Tier settings -----------------------------------------------------------------------------


class SettingsError(ValueError):
    """Thresholds that cannot be saved, with a message a person can act on."""


def save_tier_settings(*, practice: Practice, by: User | None, thresholds: Thresholds) -> TierSettings:
    """Store the practice's thresholds (all of them, blank meaning 'not used')."""
    for tier in ("cm_", "dm_"):
        frailty = getattr(thresholds, f"{tier}frailty")
        if frailty not in (None, "") and frailty not in FRAILTY_ORDER:
            raise SettingsError(f"Frailty must be mild, moderate or severe, not {frailty!r}.")
    for name in Thresholds.field_names():
        value = getattr(thresholds, name)
        if isinstance(value, (int, float)) and value < 0:
            raise SettingsError("Thresholds cannot be negative.")
    values = {name: ("" if "frailty" in name and value is None else value)
              for name, value in ((n, getattr(thresholds, n)) for n in Thresholds.field_names())}
    with transaction.atomic():
        settings, created = TierSettings.objects.update_or_create(
            practice=practice, defaults={**values, "updated_at": clock.now(), "updated_by": by},
        )
        audit.record(by=by, practice=practice, action="create" if created else "update", what="registers.tier_settings",
                     object_id=settings.pk, detail={"fields": sorted(values)})
    return settings


# --- Cohorts -------------------------------------------------------------------------------------


class CohortNameTaken(cohort_rules.CohortError):
    pass


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise cohort_rules.CohortError("Enter a name for the cohort.")
    if len(name) > 120:
        raise cohort_rules.CohortError("The name must be 120 characters or fewer.")
    return name


@transaction.atomic
def save_cohort(*, practice: Practice, by: User | None, name: str, definition: dict,
                cohort: Cohort | None = None) -> Cohort:
    """Create a cohort, or change `cohort` (which must be this practice's)."""
    name = _clean_name(name)
    parsed = cohort_rules.parse(definition)
    now = clock.now()
    if cohort is not None and cohort.practice_id != practice.pk:
        raise Cohort.DoesNotExist("No such cohort in this practice")
    try:
        with transaction.atomic():
            if cohort is None:
                cohort = Cohort.objects.create(practice=practice, name=name, definition=parsed.to_json(),
                                               created_at=now, created_by=by, updated_at=now)
                action = "create"
            else:
                cohort.name, cohort.definition, cohort.updated_at = name, parsed.to_json(), now
                cohort.save(update_fields=["name", "definition", "updated_at"])
                action = "update"
    except IntegrityError:
        raise CohortNameTaken(f"There is already a cohort called '{name}'. Choose another name.") from None
    audit.record(by=by, practice=practice, action=action, what="registers.cohort", object_id=cohort.pk)
    return cohort


@transaction.atomic
def delete_cohort(*, cohort: Cohort, by: User | None) -> None:
    practice, pk = cohort.practice, cohort.pk
    cohort.delete()
    audit.record(by=by, practice=practice, action="delete", what="registers.cohort", object_id=pk)

"""Shaping registers, tiers, the worklist and cohorts for the templates (no queries here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from tandem.patients.rules import age_on, format_nhs_number

from .queries import CohortPreview, PatientAssessment, TierReport
from .rules import cohorts as cohort_rules
from .rules import display_names, register_slugs
from .rules import worklist as w
from .rules.risk import FACTOR_LABELS, FACTORS, TIER_AIMS, TIER_LABELS, TIERS


def refreshed_at(event) -> dt.datetime | None:
    """When the last refresh ran, in the practice's local time (None: never)."""
    return timezone.localtime(event.at) if event is not None else None


TIER_COLOURS = {"case_management": "red", "disease_management": "orange", "self_care": "green"}


def percent(part: int, whole: int) -> str:
    if not whole or not part:
        return "0%"
    value = 100 * part / whole
    return f"{value:.1f}%" if value < 10 else f"{value:.0f}%"


@dataclass
class RegisterRow:
    slug: str
    name: str
    count: int
    prevalence: str


def register_rows(counts: dict[str, int], registered: int) -> list[RegisterRow]:
    names = display_names()
    return [RegisterRow(slug, names[slug], counts.get(slug, 0), percent(counts.get(slug, 0), registered))
            for slug in register_slugs()]


@dataclass
class TierRow:
    tier: str
    label: str
    count: int
    share: str
    aim: str
    colour: str


@dataclass
class FactorRow:
    factor: str
    label: str
    drivers: list[int]  # per tier: patients the factor put there
    flags: list[int]  # per tier: patients with the factor at or above a threshold


@dataclass
class TierReportPage:
    total: int
    registered: int
    on_registers_share: str
    tiers: list[TierRow]
    factors: list[FactorRow]
    frailty: list[tuple[str, int, str]]
    by_ltc: list[tuple[str, list[int]]]
    computed_on: dt.date | None
    tier_labels: list[str] = field(default_factory=list)


def tier_report(report: TierReport) -> TierReportPage:
    tiers = [TierRow(t, TIER_LABELS[t], report.tiers[t], percent(report.tiers[t], report.total), TIER_AIMS[t],
                     TIER_COLOURS[t]) for t in TIERS]
    factors = [FactorRow(f, FACTOR_LABELS[f], [report.drivers[f][t] for t in TIERS],
                         [report.flags[f][t] for t in TIERS]) for f in FACTORS]
    frailty_labels = {"fit": "Fit", "mild": "Mild frailty", "moderate": "Moderate frailty",
                      "severe": "Severe frailty", "under_65": "Under 65 (not assessed)"}
    frailty = [(frailty_labels[k], n, percent(n, report.total)) for k, n in report.frailty.items()]
    by_ltc = [(band, [counts[t] for t in TIERS]) for band, counts in report.by_ltc_count.items()]
    return TierReportPage(total=report.total, registered=report.registered,
                          on_registers_share=percent(report.total, report.registered), tiers=tiers, factors=factors,
                          frailty=frailty, by_ltc=by_ltc, computed_on=report.computed_on,
                          tier_labels=[TIER_LABELS[t] for t in TIERS])


@dataclass
class PatientTier:
    patient_id: int
    registers: list[tuple[str, dt.date]]
    tier: str = ""
    tier_label: str = ""
    colour: str = ""
    reasons: list[str] = field(default_factory=list)
    cms: float | None = None
    efi: float | None = None
    frailty: str = ""
    deficits: int = 0


def patient_tier(patient_id: int, assessment: PatientAssessment) -> PatientTier:
    names = display_names()
    shown = PatientTier(patient_id=patient_id,
                        registers=[(names[slug], since) for slug, since in assessment.registers.items()])
    if assessment.placement is not None:
        p, f = assessment.placement, assessment.factors
        shown.tier, shown.tier_label, shown.colour = p.tier, TIER_LABELS[p.tier], TIER_COLOURS[p.tier]
        shown.reasons = list(p.reasons)
        shown.cms, shown.efi, shown.frailty, shown.deficits = f.cms, f.efi, f.frailty, len(f.deficits)
    return shown


@dataclass
class CheckSummary:
    key: str
    title: str
    group: str
    action: str
    count: int


def worklist_summary(found: dict[str, list]) -> dict[str, list[CheckSummary]]:
    groups: dict[str, list[CheckSummary]] = {w.MISSING: [], w.STALE: []}
    for check in w.CHECKS:
        if check.key in found:
            groups[check.group].append(CheckSummary(check.key, check.title, check.group, check.action,
                                                    len(found[check.key])))
    return groups


@dataclass
class PersonRow:
    patient_id: int
    name: str
    nhs_number: str
    age: int
    registers: list[str] = field(default_factory=list)
    tier: str = ""


def preview(result: CohortPreview, *, today: dt.date, clinical: bool) -> tuple[int, list[PersonRow]]:
    names = display_names()
    rows = []
    for patient in result.sample:
        rows.append(PersonRow(
            patient_id=patient.pk, name=patient.full_name, nhs_number=format_nhs_number(patient.nhs_number),
            age=age_on(patient.date_of_birth, today),
            registers=[names[s] for s in register_slugs() if s in result.registers.get(patient.pk, [])] if clinical
            else [],
            tier=TIER_LABELS.get(result.tiers.get(patient.pk, ""), "") if clinical else "",
        ))
    return result.count, rows


def cohort_description(definition: dict) -> list[str]:
    try:
        return cohort_rules.describe(cohort_rules.parse(definition), display_names())
    except cohort_rules.CohortError:
        return ["This definition can no longer be used: edit it."]


def register_options() -> list[tuple[str, str]]:
    names = display_names()
    return [(slug, names[slug]) for slug in register_slugs()]


def error_list(form, skip: tuple[str, ...] = ()) -> list[dict]:
    """The NHS.UK error summary's list: each message links to its field (ids are field names)."""
    found = []
    for name, errors in form.errors.items():
        if name in skip:
            continue
        for message in errors:
            found.append({"text": message, "href": f"#{name}" if name != "__all__" else "#main-content"})
    return found


def field_error(form, name: str):
    errors = form.errors.get(name) if form.is_bound else None
    return {"text": errors[0]} if errors else None


def checkbox_items(options: list[tuple[str, str]], chosen) -> list[dict]:
    chosen = set(chosen or [])
    return [{"value": value, "text": text, "checked": value in chosen} for value, text in options]

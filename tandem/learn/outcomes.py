"""Is care planning changing anything, and for whom: outcomes in the year before and the year after a person's
first care planning conversation, against the same change in people on the registers not yet care planned.

Who is in which group:
- Care planned: registered people on a register whose first care planning conversation (the earliest held_on
  date of their saved plans) was at least a year before today, so that their year after is complete. Their
  year before is the 365 days before that day; their year after, the 365 days from it.
- Comparison: registered people on a register with no care planning conversation up to the end of the
  comparison's year after. As they have no conversation date, both periods are set by the median of the care
  planned group's first conversation dates (the page says so): the same calendar time, on average. Each person
  is in one group: someone care planned later, whose own year after is complete, is in the care planned group.

What is compared, for each person and period:
- HbA1c, systolic blood pressure, total cholesterol, LDL cholesterol and BMI: the last result in the period;
  the change is after minus before, for people with a result in both.
- In target: whether the last HbA1c, blood pressure (the last systolic and the last diastolic reading of the
  period, each the lowest of its day) and LDL met the target that applied (tandem.patients.rules.applicable_target: the one home for
  targets), for people with a target and a result in both periods.
- Attended appointments, A&E attendances and emergency admissions per person-year (each period is one year).

The reads are a fixed handful of set-based queries whatever the size of the practice: first conversation
dates, the people on registers, their registers, their frailty, their personal targets, and the results,
appointments and hospital events in the whole span, each one query. The grouping is in Python.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Min

from tandem.careplans.models import PlanVersion
from tandem.core.models import Practice
from tandem.patients.models import (
    Encounter,
    HospitalEvent,
    Observation,
    Patient,
    PersonalTarget,
    RegistrationStatus,
)
from tandem.patients.rules import Target, TargetInputs, applicable_target, frail_for_targets
from tandem.registers.models import PatientRisk, RegisterMembership

from . import plans, rules

YEAR = dt.timedelta(days=365)
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("hba1c", "HbA1c", "mmol/mol"),
    ("systolic_bp", "Systolic blood pressure", "mmHg"),
    ("total_cholesterol", "Total cholesterol", "mmol/L"),
    ("ldl", "LDL cholesterol", "mmol/L"),
    ("bmi", "BMI", "kg/m\u00b2"),
)
TARGETS: tuple[tuple[str, str], ...] = (("hba1c", "HbA1c in target"), ("blood_pressure", "Blood pressure in target"),
                                         ("ldl", "LDL cholesterol in target"))
RATES: tuple[tuple[str, str], ...] = (("appointments", "Appointments attended"), ("ae", "A&E attendances"),
                                       ("emergency", "Emergency admissions"))
CONCEPTS = ("hba1c", "systolic_bp", "diastolic_bp", "total_cholesterol", "ldl", "bmi")
SPLITS: tuple[tuple[str, str], ...] = (("everyone", "Everyone"), ("condition", "Condition"),
                                       ("conditions", "Number of conditions"), ("age", "Age band"), ("sex", "Sex"),
                                       ("imd", "Deprivation (IMD quintile)"), ("ethnicity", "Ethnic group"))
PARTITIONS = frozenset({"conditions", "age", "sex", "imd", "ethnicity"})  # each person in one row: rows add up


@dataclass
class Person:
    patient_id: int
    start: dt.date  # the first day of the year after
    born: dt.date
    sex: str
    imd: int | None
    ethnicity: str
    registers: frozenset[str] = frozenset()
    frail: bool = False
    last: dict[tuple[str, int], tuple[dt.date, float]] = field(default_factory=dict)  # (concept, period) -> last
    events: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))  # (kind, period) -> n

    def period(self, day: dt.date) -> int | None:
        """0 for the year before, 1 for the year after, None outside both."""
        if self.start - YEAR <= day < self.start:
            return 0
        if self.start <= day < self.start + YEAR:
            return 1
        return None

    def groups(self, register_names) -> dict[str, list[str]]:
        age = rules.age_on(self.born, self.start)
        q = rules.imd_quintile(self.imd)
        return {"everyone": ["everyone"], "condition": sorted(r for r in self.registers if r in register_names),
                "conditions": [rules.condition_count_band(len(self.registers))], "age": [rules.age_band(age)],
                "sex": [self.sex or "unknown"], "imd": [str(q) if q else rules.NOT_RECORDED],
                "ethnicity": [rules.ethnic_group(self.ethnicity)]}


def first_conversations(practice: Practice) -> dict[int, dt.date]:
    """Each person's first care planning conversation: the earliest held_on date of their saved plans."""
    rows = (PlanVersion.objects.filter(practice=practice).annotate(held=plans.held_on()).exclude(held="")
            .exclude(held__isnull=True).values("patient_id").annotate(first=Min("held")).values_list("patient_id", "first")
            .order_by())
    out = {}
    for patient_id, first in rows:
        try:
            out[patient_id] = dt.date.fromisoformat(str(first)[:10])
        except ValueError:
            continue
    return out


@dataclass(frozen=True)
class Cohorts:
    planned: dict[int, Person]
    comparison: dict[int, Person]
    median: dt.date | None
    too_recent: int  # care planned less than a year ago: not counted yet


def cohorts(practice: Practice, *, today: dt.date) -> Cohorts:
    firsts = first_conversations(practice)
    complete = {p: d for p, d in firsts.items() if d + YEAR <= today}
    median = (dt.date.fromordinal(int(statistics.median_low([d.toordinal() for d in complete.values()])))
              if complete else None)
    on_register = (Patient.objects.filter(practice=practice, registration_status=RegistrationStatus.REGISTERED,
                                          register_memberships__isnull=False).distinct()
                   .values_list("pk", "date_of_birth", "sex", "imd_decile", "ethnicity").order_by())
    planned, comparison = {}, {}
    for pk, born, sex, imd, ethnicity in on_register:
        if pk in complete:
            planned[pk] = Person(pk, complete[pk], born, sex, imd, ethnicity)
        elif median is not None and (pk not in firsts or firsts[pk] >= median + YEAR):
            comparison[pk] = Person(pk, median, born, sex, imd, ethnicity)
    return Cohorts(planned, comparison, median, too_recent=len(firsts) - len(complete))


def _load(practice: Practice, people: dict[int, Person]) -> None:
    """Registers, frailty, results and events of `people`, each one query over the whole span."""
    if not people:
        return
    earliest = min(p.start for p in people.values()) - YEAR
    latest = max(p.start for p in people.values()) + YEAR
    registers = defaultdict(set)
    for pid, slug in RegisterMembership.objects.filter(practice=practice).values_list("patient_id", "register"):
        registers[pid].add(slug)
    for pid, person in people.items():
        person.registers = frozenset(registers.get(pid, ()))
    for pid, frailty in PatientRisk.objects.filter(practice=practice).values_list("patient_id", "frailty"):
        if pid in people:
            people[pid].frail = frail_for_targets(frailty)
    results = (Observation.objects.filter(practice=practice, concept__in=CONCEPTS, value__isnull=False,
                                          effective_date__gte=earliest, effective_date__lt=latest)
               .values_list("patient_id", "concept", "effective_date", "value").order_by())
    for pid, concept, on, value in results.iterator(chunk_size=5000):
        person = people.get(pid)
        period = person.period(on) if person else None
        if period is None:
            continue
        key = (concept, period)
        seen = person.last.get(key)
        # the last result of the period; on a day with several, the lowest (as QOF reads blood pressure)
        if seen is None or on > seen[0] or (on == seen[0] and value < seen[1]):
            person.last[key] = (on, value)
    visits = (Encounter.objects.filter(practice=practice, status=Encounter.Status.ATTENDED, date__gte=earliest,
                                       date__lt=latest).values_list("patient_id", "date").order_by())
    for pid, on in visits.iterator(chunk_size=5000):
        person = people.get(pid)
        period = person.period(on) if person else None
        if period is not None:
            person.events[("appointments", period)] += 1
    kinds = {HospitalEvent.Kind.AE_ATTENDANCE.value: "ae", HospitalEvent.Kind.EMERGENCY_ADMISSION.value: "emergency"}
    stays = (HospitalEvent.objects.filter(practice=practice, kind__in=list(kinds), start_date__gte=earliest,
                                          start_date__lt=latest).values_list("patient_id", "kind", "start_date")
             .order_by())
    for pid, kind, on in stays.iterator(chunk_size=5000):
        person = people.get(pid)
        period = person.period(on) if person else None
        if period is not None:
            person.events[(kinds[kind], period)] += 1


def personal_targets(practice: Practice, ids: Iterable[int]) -> dict[int, list[tuple[str, Target, dt.date, dt.date | None]]]:
    wanted = set(ids)
    out = defaultdict(list)
    for pid, concept, upper, lower, agreed_on, ended_on in (PersonalTarget.objects.filter(practice=practice)
                                                            .values_list("patient_id", "concept", "upper", "lower",
                                                                         "agreed_on", "ended_on")):
        if pid in wanted:
            out[pid].append((concept, Target(concept, upper, lower, personal=True), agreed_on, ended_on))
    return out


def in_target(person: Person, period: int, personal) -> dict[str, bool | None]:
    """Whether each of HbA1c, blood pressure and LDL was in the target that applied at the period's end (None:
    no result, or no target applies)."""
    end = person.start + (YEAR if period else dt.timedelta(0)) - dt.timedelta(days=1)
    own = {c: t for c, t, agreed, ended in personal if agreed <= end and (ended is None or ended > end)}
    inputs = TargetInputs.of(age=rules.age_on(person.born, end), registers=person.registers, frail=person.frail,
                             personal=own)
    out: dict[str, bool | None] = {}
    for concept in ("hba1c", "ldl"):
        last = person.last.get((concept, period))
        target = applicable_target(concept, inputs)
        out[concept] = target.met_by(last[1]) if last and target else None
    sys_, dia = person.last.get(("systolic_bp", period)), person.last.get(("diastolic_bp", period))
    ts, td = applicable_target("systolic_bp", inputs), applicable_target("diastolic_bp", inputs)
    out["blood_pressure"] = (ts.met_by(sys_[1]) and td.met_by(dia[1])) if sys_ and dia and ts and td else None
    return out


# --- Figures per group ------------------------------------------------------------------------------------

@dataclass
class Cell:
    """One group of people (a row, care planned or comparison): the sums the figures come from."""

    people: int = 0
    measure: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # key -> [n, before, after]
    target: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))  # n, in before, in after
    events: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, person: Person, targets: tuple[dict, dict]) -> None:
        self.people += 1
        for key, _label, _unit in MEASURES:
            before, after = person.last.get((key, 0)), person.last.get((key, 1))
            if before and after:
                m = self.measure.setdefault(key, [0, 0.0, 0.0])
                m[0] += 1
                m[1] += before[1]
                m[2] += after[1]
        for key, _label in TARGETS:
            before, after = targets[0][key], targets[1][key]
            if before is not None and after is not None:
                t = self.target[key]
                t[0] += 1
                t[1] += before
                t[2] += after
        for (kind, period), n in person.events.items():
            self.events[(kind, period)] += n


@dataclass(frozen=True)
class Outcomes:
    today: dt.date
    median: dt.date | None
    too_recent: int
    cells: dict[tuple[str, str, str], Cell]  # (split, row key, "planned" | "comparison") -> Cell
    rows: dict[str, list[tuple[str, str]]]  # split -> [(row key, label)]


def outcomes(practice: Practice, *, today: dt.date, register_names) -> Outcomes:
    c = cohorts(practice, today=today)
    everyone = {**c.planned, **c.comparison}
    _load(practice, everyone)
    personal = personal_targets(practice, everyone)
    cells: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    for group, members in (("planned", c.planned), ("comparison", c.comparison)):
        for pid, person in members.items():
            own = personal.get(pid, [])
            targets = (in_target(person, 0, own), in_target(person, 1, own))
            for split, keys in person.groups(register_names).items():
                for key in keys:
                    cells[(split, key, group)].add(person, targets)
    return Outcomes(today=today, median=c.median, too_recent=c.too_recent, cells=dict(cells),
                    rows=rows_of(cells, register_names))


def rows_of(cells, register_names) -> dict[str, list[tuple[str, str]]]:
    """Each split's rows (key, label) in order: every group of a split whose groups add up to everyone, and the
    conditions somebody has."""
    labels = {"everyone": {"everyone": "Everyone"}, "condition": dict(register_names),
              "conditions": rules.CONDITION_COUNTS, "age": rules.AGE_LABELS, "sex": rules.SEX_LABELS,
              "imd": {**{str(q): t for q, t in rules.QUINTILE_LABELS.items()}, rules.NOT_RECORDED: "Not recorded"},
              "ethnicity": rules.ETHNIC_LABELS}
    rows = {}
    for split, _label in SPLITS:
        present = {key for (s, key, _g) in cells if s == split}
        rows[split] = [(key, label) for key, label in labels[split].items()
                       if key in present or split in PARTITIONS or split == "everyone"]
    return rows


# --- As shown: small numbers hidden ----------------------------------------------------------------------

def _fmt(value: float, places: int = 1) -> str:
    """A change with its sign; one that rounds to nothing is 0 (not "-0.0")."""
    rounded = round(value, places)
    return f"{rounded:+.{places}f}" if rounded else f"{0:.{places}f}"


@dataclass(frozen=True)
class Figure:
    before: str
    after: str
    change: str
    n: str
    raw: float | None = None  # the change, when shown


def count_columns() -> list[str]:
    """Every count a figure rests on: people; people with each result in both years; for each target, people
    with one in both years and those in and not in it each year; each kind of event in each year."""
    columns = ["people", *[f"m:{m}" for m, _, _ in MEASURES]]
    for t, _label in TARGETS:
        columns += [f"t:{t}:{part}" for part in ("n", "in0", "in1", "out0", "out1")]
    for r, _label in RATES:
        columns += [f"r:{r}:0", f"r:{r}:1"]
    return columns


def _count(cell: Cell | None, column: str) -> int:
    if cell is None:
        return 0
    kind, _, rest = column.partition(":")
    if kind == "people":
        return cell.people
    if kind == "m":
        return int(cell.measure.get(rest, [0])[0])
    if kind == "t":
        key, part = rest.split(":")
        n, in0, in1 = cell.target.get(key, [0, 0, 0])
        return {"n": n, "in0": in0, "in1": in1, "out0": n - in0, "out1": n - in1}[part]
    key, period = rest.split(":")
    return cell.events.get((key, int(period)), 0)


def shown_table(result: Outcomes) -> list[dict]:
    """Every split's rows with each group's figures as shown. Each count a figure rests on (count_columns) is
    hidden when it is 1 to 4; within a split whose rows add up to everyone (sex, age band, ...), the next
    smallest row's count is hidden too, so no hidden count can be worked out from everyone's. A mean, share
    or rate is hidden when any count it rests on is."""
    out = []
    columns = count_columns()
    for split, split_label in SPLITS:
        keys = [k for k, _ in result.rows[split]]
        hidden: dict[tuple[str, str], frozenset] = {}
        for group in ("planned", "comparison"):
            everyone = result.cells.get(("everyone", "everyone", group))
            for column in columns:
                counts = {k: _count(result.cells.get((split, k, group)), column) for k in keys}
                counts["__all__"] = _count(everyone, column)
                hidden[(group, column)] = rules.suppress(counts, [("__all__", tuple(keys))] if split in PARTITIONS
                                                         else [])
        table_rows = []
        for key, label in result.rows[split]:
            row = {"key": key, "label": label, "groups": {}}
            for group in ("planned", "comparison"):
                cell = result.cells.get((split, key, group)) or Cell()

                def gone(*cols, key=key, group=group, hidden=hidden):
                    return any(key in hidden[(group, c)] for c in ("people", *cols))

                g = {"people": rules.shown(cell.people, hidden=gone()).text, "measures": {}, "targets": {},
                     "rates": {}}
                for m, _label, _unit in MEASURES:
                    n, before, after = cell.measure.get(m, [0, 0.0, 0.0])
                    off = gone(f"m:{m}") or not n
                    g["measures"][m] = Figure(
                        before="" if off else f"{before / n:.1f}", after="" if off else f"{after / n:.1f}",
                        change="" if off else _fmt((after - before) / n),
                        n=rules.shown(n, hidden=gone(f"m:{m}")).text, raw=None if off else (after - before) / n)
                for t, _label in TARGETS:
                    n, in0, in1 = cell.target.get(t, [0, 0, 0])
                    off = gone(*[f"t:{t}:{p}" for p in ("n", "in0", "in1", "out0", "out1")]) or not n
                    g["targets"][t] = Figure(
                        before="" if off else f"{100 * in0 / n:.0f}%", after="" if off else f"{100 * in1 / n:.0f}%",
                        change="" if off else f"{_fmt(100 * (in1 - in0) / n, 0)} points",
                        n=rules.shown(n, hidden=gone(f"t:{t}:n")).text, raw=None if off else 100 * (in1 - in0) / n)
                for r, _label in RATES:
                    b, a = cell.events.get((r, 0), 0), cell.events.get((r, 1), 0)
                    off = gone(f"r:{r}:0", f"r:{r}:1") or not cell.people
                    g["rates"][r] = Figure(
                        before="" if off else f"{b / cell.people:.2f}", after="" if off else f"{a / cell.people:.2f}",
                        change="" if off else _fmt((a - b) / cell.people, 2), n="",
                        raw=None if off else (a - b) / cell.people)
                row["groups"][group] = g
            row["difference"] = _differences(row["groups"])
            table_rows.append(row)
        out.append({"key": split, "label": split_label, "rows": table_rows})
    return out


def _differences(groups: dict) -> dict[str, str]:
    """The care planned group's change minus the comparison group's, where both are shown."""
    out = {}
    for kind, places, suffix in (("measures", 1, ""), ("targets", 0, " points"), ("rates", 2, "")):
        for key, planned in groups["planned"][kind].items():
            other = groups["comparison"][kind][key]
            out[f"{kind}:{key}"] = ("" if planned.raw is None or other.raw is None
                        else _fmt(planned.raw - other.raw, places) + suffix)
    return out

"""Shape survey figures for the pages and their CSV downloads. Small numbers are already words here
(tandem.surveys.rules): a template never sees a count under 5."""

from __future__ import annotations

from dataclasses import dataclass

from . import instruments, rules
from .models import StaffRound


def _day(on) -> str:
    return f"{on.day} {on:%B %Y}" if on else ""


@dataclass(frozen=True)
class Question:
    """One question as a form shows it: its field name, words, and answers (value, text)."""

    name: str
    text: str
    answers: tuple[tuple[str, str], ...]
    scale: bool  # 0-10
    low: str = ""
    high: str = ""
    divider_before: str = ""  # the first "not relevant" answer, set apart with "or"
    asked_if: str = ""
    hint: str = ""


def questions(instrument: instruments.Instrument, *, prefix: str = "") -> list[Question]:
    out = []
    for item in instrument.items:
        answers = item.answers
        if answers.kind == "scale_0_10":
            out.append(Question(name=prefix + item.id, text=item.worded(instrument.intervention),
                                answers=tuple((str(n), str(n)) for n in range(11)), scale=True,
                                low=answers.low, high=answers.high))
            continue
        unscored = next((o.code for o in answers.options if o.score is None and instrument.key == "nomad"), "")
        out.append(Question(
            name=prefix + item.id, text=item.worded(instrument.intervention), scale=False,
            answers=tuple((o.code, o.text.replace("[intervention]", instrument.intervention)) for o in answers.options),
            divider_before=unscored,
            asked_if=item.asked_if, hint=item.hint))
    return out


@dataclass(frozen=True)
class RoundRow:
    number: int
    opened: str
    closes: str
    closed: str
    is_open: bool
    answered: str
    report: rules.Report | None  # None while the round is open: figures only when it has closed


def round_rows(found: list[StaffRound], answers: dict[int, list[dict]], *, today) -> list[RoundRow]:
    nomad = instruments.nomad()
    rows = []
    for r in found:
        is_open = r.closed_on is None and r.closes_on >= today
        rows.append(RoundRow(number=r.number, opened=_day(r.opened_on), closes=_day(r.closes_on),
                             closed=_day(r.closed_on), is_open=is_open, answered=rules.count_words(r.answered),
                             report=None if is_open else rules.report(nomad, answers.get(r.pk, []))))
    return rows


def staff_csv(rows: list[RoundRow]) -> tuple[list[str], list[list]]:
    nomad = instruments.nomad()
    general = [i for i in nomad.items if i.answers.kind == "scale_0_10"]
    header = ["Round", "Opened", "Closed", "Staff who answered", *[s.title for s in nomad.scales],
              *[f"General item {i.id.upper()} (0 to 10)" for i in general]]
    out = []
    for r in rows:
        if r.report is None:
            continue
        out.append([r.number, r.opened, r.closed or r.closes, r.report.respondents_words,
                    *[_csv_mean(r.report.scales[s.key]) for s in nomad.scales],
                    *[_csv_mean(r.report.general[i.id]) for i in general]])
    return header, out


def _csv_mean(mean: rules.Mean) -> str:
    return f"{mean.value:.2f}" if mean.value is not None else mean.words


@dataclass(frozen=True)
class YearRow:
    year: int
    sent: str
    answered: str
    pacic: rules.Report
    gpps: dict[str, rules.Share]


def year_rows(answers: dict[int, list[dict]], sent: dict[int, int]) -> list[YearRow]:
    pacic, gpps = instruments.pacic(), instruments.gpps()
    rows = []
    for year in sorted(set(answers) | set(sent), reverse=True):
        given = answers.get(year, [])
        rows.append(YearRow(year=year, sent=rules.count_words(sent.get(year, 0)),
                            answered=rules.count_words(len(given)),
                            pacic=rules.report(pacic, [a.get("pacic", {}) for a in given]),
                            gpps=rules.shares(gpps, [a.get("gpps", {}) for a in given])))
    return rows


def people_csv(rows: list[YearRow]) -> tuple[list[str], list[list]]:
    pacic, gpps = instruments.pacic(), instruments.gpps()
    header = ["Year", "Surveys sent", "Answered", *[f"PACIC {s.title} (1 to 5)" for s in pacic.scales],
              "PACIC overall (1 to 5)", *[f"GPPS: {i.share} (%)" for i in gpps.items]]
    out = [[r.year, r.sent, r.answered, *[_csv_mean(r.pacic.scales[s.key]) for s in pacic.scales],
            _csv_mean(r.pacic.total), *[r.gpps[i.id].words.rstrip("%") for i in gpps.items]] for r in rows]
    return header, out

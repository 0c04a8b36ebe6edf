"""Scoring the surveys, and what may be shown of them. Pure: no Django.

- NoMAD (tandem/surveys/instruments/nomad.toml): per construct, each respondent's mean of the items they
  scored (Option A, 1 strongly disagree .. 5 strongly agree; item 10 reversed, 6 - score; Option B "not
  relevant" left out); the practice's figure is the mean of those respondent means. The three general
  items (0-10) are reported as means. Finch et al. 2018 (BMC Med Res Methodol 18:135) report per construct
  and prescribe no total; the direction and the reversal are stated in the instrument file.
- PACIC (pacic.toml): "Each scale is scored by averaging the items completed within that scale, and the
  overall PACIC is scored by averaging scores across all 20 items" (PACIC scoring guide, Glasgow et al.
  2005): a subscale with no completed item has no score; the total is the mean of the completed items.
- GP Patient Survey (gpps.toml): each question as a share: counted answers out of everyone who answered it,
  "Don't know" left out; the follow-on questions only of those who agreed a plan.

Anonymity: nothing is shown for fewer than MIN_RESPONDENTS people (5). A count from 1 to 4 is shown as
"fewer than 5", and a share is not shown when either the people it counts or the rest of its base are
from 1 to 4, so that no figure reveals a small number (learn_common: small numbers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .instruments import Instrument, Item

MIN_RESPONDENTS = 5
FEWER = f"fewer than {MIN_RESPONDENTS}"
REVERSE_FROM = 6  # a reversed 1-5 item scores 6 - score


def small(count: int) -> bool:
    """A count that may not be shown (1 to 4). Nought is not small: nobody is revealed by it."""
    return 0 < count < MIN_RESPONDENTS


def count_words(count: int) -> str:
    return FEWER if small(count) else f"{count:,}"


@dataclass(frozen=True)
class Mean:
    """A mean over `n` respondents; `value` is None when there is nothing to show (too few, or none)."""

    value: float | None
    n: int

    @property
    def words(self) -> str:
        if self.n == 0:
            return "No answers"
        if self.n < MIN_RESPONDENTS:
            return f"Not shown: {FEWER} answered"
        return f"{self.value:.1f}"

    @property
    def n_words(self) -> str:
        return count_words(self.n)


@dataclass(frozen=True)
class Share:
    """`counted` out of `base`; shown only when neither the counted nor the rest is a small number."""

    counted: int
    base: int

    @property
    def shown(self) -> bool:
        return self.base >= MIN_RESPONDENTS and not small(self.counted) and not small(self.base - self.counted)

    @property
    def percent(self) -> int | None:
        return round(100 * self.counted / self.base) if self.shown else None

    @property
    def words(self) -> str:
        if self.base == 0:
            return "No answers"
        if self.base < MIN_RESPONDENTS:
            return f"Not shown: {FEWER} answered"
        if not self.shown:
            return "Not shown: it would reveal a small number"
        return f"{self.percent}%"

    @property
    def base_words(self) -> str:
        return count_words(self.base)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _shown_mean(values: list[float]) -> Mean:
    n = len(values)
    return Mean(value=_mean(values) if n >= MIN_RESPONDENTS else None, n=n)


# --- Reading answers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Read:
    answers: dict[str, str]
    errors: dict[str, str]


def read(items: Iterable[Item], posted: Mapping[str, object], *, field_prefix: str = "") -> Read:
    """The answers given for `items` (form fields named prefix + item id): each one of the item's own
    answer codes; an item left out is not answered. Anything else is refused with a message, and the
    answers that could be read are kept to show again."""
    answers, errors = {}, {}
    shown = {i.id: i for i in items}
    for item in shown.values():
        given = posted.get(field_prefix + item.id, "")
        given = given.strip()[:20] if isinstance(given, str) else ""
        if not given:
            continue
        if given not in item.answers.codes():
            errors[field_prefix + item.id] = "Choose one of the answers given, or leave this question out"
            continue
        answers[item.id] = given
    for item in shown.values():  # a follow-on question answered when it was not asked is not kept
        if item.asked_if and item.id in answers:
            on, _, wanted = item.asked_if.partition("=")
            if answers.get(on) != wanted:
                answers.pop(item.id)
    return Read(answers=answers, errors=errors)


# --- NoMAD --------------------------------------------------------------------------------------------

def item_score(item: Item, code: str) -> int | None:
    """A 1-5 answer's score (reversed for a reverse-scored item); None for a "not relevant" answer."""
    option = item.answers.option(code)
    if option is None or option.score is None:
        return None
    return REVERSE_FROM - option.score if item.reverse else option.score


def scale_scores(instrument: Instrument, answers: Mapping[str, str]) -> dict[str, float | None]:
    """One respondent's score on each scale (NoMAD construct, PACIC subscale): the mean of the items
    they scored in it, or None when they scored none."""
    out = {}
    for scale in instrument.scales:
        scores = [s for i in instrument.in_scale(scale.key) if i.id in answers
                  for s in [item_score(i, answers[i.id])] if s is not None]
        out[scale.key] = _mean(scores)
    return out


def total_score(instrument: Instrument, answers: Mapping[str, str]) -> float | None:
    """PACIC's overall score: the mean of all the items completed."""
    scores = [s for i in instrument.items if i.scale and i.id in answers
              for s in [item_score(i, answers[i.id])] if s is not None]
    return _mean(scores)


@dataclass(frozen=True)
class Report:
    """The figures for one group of respondents (a NoMAD round, a year of PACIC): `scales` by key,
    `general` (NoMAD's 0-10 items) and `total` (PACIC)."""

    respondents: int
    scales: dict[str, Mean]
    general: dict[str, Mean]
    total: Mean

    @property
    def shown(self) -> bool:
        return self.respondents >= MIN_RESPONDENTS

    @property
    def respondents_words(self) -> str:
        return count_words(self.respondents)


def report(instrument: Instrument, responses: Iterable[Mapping[str, str]]) -> Report:
    """Scale means over respondents, general items' means and the total, nothing shown for fewer than 5
    respondents in all (and no scale or item shown that fewer than 5 of them answered)."""
    responses = list(responses)
    people = len(responses)
    per_person = [scale_scores(instrument, r) for r in responses]
    scales = {s.key: _shown_mean([p[s.key] for p in per_person if p[s.key] is not None]) for s in instrument.scales}
    general = {}
    for item in instrument.items:
        if item.answers.kind == "scale_0_10":
            general[item.id] = _shown_mean([float(r[item.id]) for r in responses if item.id in r])
    totals = [t for r in responses for t in [total_score(instrument, r)] if t is not None]
    total = _shown_mean(totals)
    if people < MIN_RESPONDENTS:  # too few in all: nothing, whatever each part's count
        scales = {k: Mean(None, m.n) for k, m in scales.items()}
        general = {k: Mean(None, m.n) for k, m in general.items()}
        total = Mean(None, total.n)
    return Report(respondents=people, scales=scales, general=general, total=total)


# --- GP Patient Survey ----------------------------------------------------------------------------------

def shares(instrument: Instrument, responses: Iterable[Mapping[str, str]]) -> dict[str, Share]:
    """Each question's share: the counted answers out of all answers but the excluded ("Don't know")."""
    responses = list(responses)
    out = {}
    for item in instrument.items:
        counted = base = 0
        for r in responses:
            option = item.answers.option(r.get(item.id, ""))
            if option is None or option.excluded:
                continue
            base += 1
            counted += option.counted
        out[item.id] = Share(counted=counted, base=base)  # fewer than 5 in all: every base is under 5
    return out

"""The survey instruments as data (nomad.toml, pacic.toml, gpps.toml beside this file): each item's
wording as published, its answers, its scale, whether it is reverse-scored, and the source and version
it was checked against. Pure: no Django. Each file says what was verified and what was not; an item or
answer set with `verified = false` is one whose exact published wording could not be checked.

`load(key)` reads a file once; `PEOPLE` is the one short survey sent to people after their plan is
agreed: PACIC's 20 items, then the GP Patient Survey's care planning questions."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = ("nomad", "pacic", "gpps")


@dataclass(frozen=True)
class Option:
    code: str
    text: str
    score: int | None = None  # a scored answer (1-5); None: not scored (NoMAD's "not relevant")
    counted: bool = False  # GPPS: counts towards the share
    excluded: bool = False  # GPPS: left out of the share's base ("Don't know")


@dataclass(frozen=True)
class AnswerSet:
    key: str
    kind: str  # "choice" or "scale_0_10"
    options: tuple[Option, ...] = ()
    low: str = ""
    middle: str = ""
    high: str = ""
    verified: bool = True

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def codes(self) -> tuple[str, ...]:
        if self.kind == "scale_0_10":
            return tuple(str(n) for n in range(11))
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    answers: AnswerSet
    scale: str = ""
    sub: str = ""
    part: str = ""
    reverse: bool = False
    share: str = ""
    asked_if: str = ""  # "plan=yes": asked only of people who answered so
    hint: str = ""  # Tandem's words under the question (not the instrument's), e.g. who it is for
    verified: bool = True

    def worded(self, intervention: str) -> str:
        return self.text.replace("[intervention]", intervention) if intervention else self.text


@dataclass(frozen=True)
class Scale:
    key: str
    title: str
    meaning: str = ""


@dataclass(frozen=True)
class Instrument:
    key: str
    title: str
    version: str
    citation: str
    source: str
    licence: str
    scoring: str
    items: tuple[Item, ...]
    scales: tuple[Scale, ...] = ()
    stem: str = ""
    intervention: str = ""
    notes: dict = field(default_factory=dict)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def in_scale(self, scale: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scale == scale)

    @property
    def unverified(self) -> tuple[str, ...]:
        """Items whose wording, or whose answers' wording, could not be checked against the source."""
        return tuple(i.id for i in self.items if not i.verified or not i.answers.verified)


def _answer_set(key: str, raw: dict) -> AnswerSet:
    return AnswerSet(key=key, kind=raw["kind"], low=raw.get("low", ""), middle=raw.get("middle", ""),
                     high=raw.get("high", ""), verified=raw.get("verified", True),
                     options=tuple(Option(code=o["code"], text=o["text"], score=o.get("score"),
                                          counted=o.get("counted", False), excluded=o.get("excluded", False))
                                   for o in raw.get("options", [])))


@cache
def load(key: str) -> Instrument:
    if key not in KEYS:
        raise KeyError(f"No survey instrument {key!r}")
    raw = tomllib.loads((HERE / f"{key}.toml").read_text(encoding="utf-8"))
    sets = {k: _answer_set(k, v) for k, v in raw.get("answer_sets", {}).items()}
    items = tuple(Item(id=i["id"], text=i["text"], answers=sets[i["answers"]], scale=i.get("scale", ""),
                       sub=i.get("sub", ""), part=i.get("part", ""), reverse=i.get("reverse", False),
                       share=i.get("share", ""), asked_if=i.get("asked_if", ""), verified=i.get("verified", True),
                       hint=i.get("hint", ""))
                  for i in raw["items"])
    scales = tuple(Scale(key=s["key"], title=s["title"], meaning=s.get("meaning", "")) for s in raw.get("scales", []))
    return Instrument(key=raw["key"], title=raw["title"], version=raw["version"], citation=raw["citation"],
                      source=raw["source"], licence=raw["licence"], scoring=raw["scoring"], items=items,
                      scales=scales, stem=raw.get("stem", ""), intervention=raw.get("intervention", ""))


def nomad() -> Instrument:
    return load("nomad")


def pacic() -> Instrument:
    return load("pacic")


def gpps() -> Instrument:
    return load("gpps")

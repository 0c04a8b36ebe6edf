"""Reads for the wording editor (packs and invitations): the text in use for each block, its
versions, and sample packs for previews and readability scores. Always scoped to one practice; no
patient rows. The versions themselves are kept by messaging (tandem.messaging.queries), where
invitations are rendered.

A practice's wording for a block and variant is its latest WordingVersion. A block with no
versions, or whose latest text is Tandem's standard wording again, uses the standard wording.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.http import Http404

from tandem.core.models import Practice
from tandem.messaging import queries as messaging_queries
from tandem.messaging import wording
from tandem.messaging.models import WordingVersion
from tandem.messaging.wording import Block, readability
from tandem.patients.rules import Target
from tandem.terminology.plain_names import plain_names

from ..rules import pack as pack_rules


def versions(practice: Practice):
    return messaging_queries.wording_versions(practice)


def current_texts(practice: Practice, variant: str) -> dict[str, str]:
    """Block key -> the practice's changed pack wording (what `rules.pack.compose` takes as `texts`)."""
    return messaging_queries.current_texts(practice, variant, document="pack")


def latest_versions(practice: Practice, *, variant: str | None = None) -> dict[tuple[str, str], WordingVersion]:
    """(block, variant) -> the latest version the practice saved, with who saved it."""
    return messaging_queries.latest_wording(practice, variant=variant)


def latest(practice: Practice, block: str, variant: str) -> WordingVersion | None:
    return (versions(practice).filter(block=block, variant=variant).select_related("created_by")
            .order_by("-version").first())


def history(practice: Practice, block: str, variant: str) -> list[WordingVersion]:
    """Every saved version of one block, newest first."""
    return list(versions(practice).filter(block=block, variant=variant).select_related("created_by")
                .order_by("-version"))


def get_version(practice: Practice, block: str, variant: str, version: int) -> WordingVersion:
    row = (versions(practice).filter(block=block, variant=variant, version=version).select_related("created_by")
           .first())
    if row is None:
        raise Http404("No such version of this wording in this practice")
    return row


def get_block(key: str, variant: str) -> Block:
    """The block for a URL's key and variant; 404 for anything else."""
    if variant not in wording.VARIANTS:
        raise Http404("No such wording variant")
    try:
        return wording.block(key)
    except wording.WordingError:
        raise Http404("No such wording block") from None


@dataclass(frozen=True)
class InUse:
    """What a block's wording is now, for one variant."""

    variant: str
    text: str
    version: int  # 0 when the practice has never saved this block
    own: bool  # the practice's own wording, not Tandem's standard
    row: WordingVersion | None
    score: readability.Score

    @property
    def within_limit(self) -> bool:
        return readability.within_limit(self.score, self.variant)


def in_use(block: Block, variant: str, row: WordingVersion | None) -> InUse:
    default = block.default(variant)
    text = row.text if row is not None else default
    return InUse(variant=variant, text=text, version=row.version if row is not None else 0, own=text != default, row=row,
                 score=readability.score_block(text, block))


# --- Sample packs: previews and whole-pack scores -------------------------------------------

SAMPLE_NAME = "Sam"
SAMPLE_PHONE = "01632 960000"
_D = dt.date
_WHEN = dt.datetime(2026, 7, 14, 10, 30, tzinfo=ZoneInfo("Europe/London"))
_FRESH_FROM = _D(2026, 6, 1)
_LAST_YEAR = _D(2025, 7, 2)
# A person with most of the conditions a pack handles, and complete results.
_CONDITIONS = ("diabetes_type2", "hypertension", "copd", "asthma", "depression", "osteoarthritis")
_LATEST = {"hba1c": 62, "total_cholesterol": 4.6, "ldl": 2.4, "egfr": 58, "urine_acr": 2.1, "weight": 88.0,
           "bmi": 29.1, "fev1": 1.4, "cat_score": 18, "mrc_dyspnoea": 3}
_BEFORE = {"hba1c": 70, "total_cholesterol": 5.1, "ldl": 2.9, "egfr": 61, "urine_acr": 1.8, "weight": 91.0,
           "bmi": 30.0, "fev1": 1.5, "cat_score": 21}


def sample_pack(*, variant: str, texts: dict[str, str], practice_name: str = "Riverside Surgery",
                practice_phone: str = SAMPLE_PHONE, with_results: bool = True, conditions=tuple(_CONDITIONS),
                hba1c: tuple[float, ...] = (70, 62), personal_hba1c: float | None = None) -> pack_rules.Pack:
    """The pack a made-up person ("Sam") would get with this wording. `hba1c` is oldest first;
    one value gives a first result."""
    readings: dict[str, list[pack_rules.Reading]] = {}
    for key, value in _LATEST.items():
        readings[key] = [pack_rules.Reading(_FRESH_FROM, value)]
        if key in _BEFORE:
            readings[key].append(pack_rules.Reading(_LAST_YEAR, _BEFORE[key]))
    readings["hba1c"] = [pack_rules.Reading(_FRESH_FROM, hba1c[-1])]
    if len(hba1c) > 1:
        readings["hba1c"].append(pack_rules.Reading(_LAST_YEAR, hba1c[-2]))
    readings["systolic_bp"] = [pack_rules.Reading(_FRESH_FROM, 142), pack_rules.Reading(_LAST_YEAR, 150)]
    readings["diastolic_bp"] = [pack_rules.Reading(_FRESH_FROM, 86), pack_rules.Reading(_LAST_YEAR, 88)]
    personal = {}
    if personal_hba1c is not None:
        personal["hba1c"] = Target("hba1c", personal_hba1c, personal=True)
    person = pack_rules.Person(given_name=SAMPLE_NAME, age=67, conditions=tuple(conditions),
                               condition_names=plain_names(conditions))
    return pack_rules.compose(
        person=person, readings=readings, personal=personal, tests=(), fresh_from=_FRESH_FROM,
        with_results=with_results,
        appointment=pack_rules.Appointment(starts_at=_WHEN, minutes=30, with_name="Nurse Ada Jones",
                                           place="at Riverside Surgery, room 3"),
        texts=texts, variant=variant,
        reply=pack_rules.Reply(link="https://example.org/r/abc", phone=practice_phone, reply_by=_D(2026, 7, 10)),
        practice_name=practice_name, practice_phone=practice_phone or SAMPLE_PHONE,
    )


@dataclass(frozen=True)
class Piece:
    text: str
    mine: bool  # comes from the block being edited


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[Piece, ...] = ()
    items: tuple[Piece, ...] = ()


# Which made-up situation shows a block: pack arguments, and the part of the pack to show.
_SCENARIOS: dict[str, tuple[dict, str]] = {
    "intro": ({}, "opening"), "intro_no_results": ({"with_results": False}, "opening"),
    "appointment": ({}, "appointment"), "closing": ({}, "closing"), "how_to_reply": ({}, "reply"),
    "results_intro": ({}, "results_intro"),
    "target_personal": ({"personal_hba1c": 53}, "result:hba1c"), "target_default": ({}, "result:hba1c"),
    "in_target": ({"hba1c": (61, 55)}, "result:hba1c"), "out_target": ({}, "result:hba1c"),
    "change_down": ({}, "result:hba1c"), "change_up": ({"hba1c": (55, 62)}, "result:hba1c"),
    "change_same": ({"hba1c": (61, 62)}, "result:hba1c"), "first_result": ({"hba1c": (62,)}, "result:hba1c"),
    "focus_breathing": ({}, "focus:breathing"), "mrc_said": ({}, "focus:breathing"),
    "breathing_questions": ({}, "focus:breathing"), "focus_asthma": ({}, "focus:asthma"),
    "focus_mood": ({}, "focus:mood"), "focus_pain": ({}, "focus:pain"),
}
_PROMPT_BLOCKS = ("prompts_intro", "what_matters", "talk_about", "topics_intro", "topics", "questions")


def _scenario(key: str) -> tuple[dict, str]:
    if key in _SCENARIOS:
        return _SCENARIOS[key]
    if key.startswith("about_"):
        return {}, "result:" + key.removeprefix("about_")
    if key in _PROMPT_BLOCKS:
        return {}, "prompts"
    return {}, ""


def _sections(p: pack_rules.Pack, where: str) -> list[tuple[str, list[str], list[str]]]:
    """(heading, paragraphs, list items) for the part of the pack `where` names."""
    if where == "opening":
        return [("", list(p.opening), [])]
    if where == "appointment":
        return [("Your appointment", list(p.appointment), [])]
    if where == "closing":
        return [("", list(p.closing), [])]
    if where == "reply":
        return [("How to reply", list(p.how_to_reply), [])]
    if where == "results_intro":
        first = p.results[0] if p.results else None
        out = [("Your results", list(p.results_intro), [])]
        if first is not None:
            out.append((first.title, [*first.about, first.target, first.verdict, first.change], []))
        return out
    if where.startswith("result:"):
        key = where.removeprefix("result:")
        for r in p.results:
            if r.key == key:
                return [(r.title, [t for t in (*r.about, r.target, r.verdict, r.change) if t], [])]
        return []
    if where.startswith("focus:"):
        key = where.removeprefix("focus:")
        return [(f.title, list(f.paragraphs), list(f.questions)) for f in p.focus if f.key == key]
    if where == "prompts":
        return [("Before we meet", list(p.prompts_intro), []), ("", [p.what_matters, p.talk_about], []),
                ("", list(p.topics_intro), list(p.topics)), ("", [p.questions], [])]
    return []


def preview(*, key: str, variant: str, text: str, texts: dict[str, str], practice_name: str,
            practice_phone: str) -> list[Section]:
    """The part of a sample pack where block `key` appears, with `text` as its wording and the
    practice's other wording (`texts`) around it. Pieces that come from `text` are marked."""
    block = wording.block(key)
    arguments, where = _scenario(key) if block.document == "pack" else ({}, "")

    def build(this: str) -> list[tuple[str, list[str], list[str]]]:
        p = sample_pack(variant=variant, texts={**texts, key: this}, practice_name=practice_name,
                        practice_phone=practice_phone, **arguments)
        return _sections(p, where)

    shown = build(text) if where else []
    if not shown:  # a block the sample pack does not place: show it on its own
        pieces = wording.pieces(wording.fill(text, wording.sample_values(block)), block.kind)
        if block.kind == wording.LIST:
            return [Section("", items=tuple(Piece(t, True) for t in pieces))]
        return [Section("", paragraphs=tuple(Piece(t, True) for t in pieces))]
    marker = "\u2063" * 3  # text that cannot match any real piece
    others = {t for _, paragraphs, items in build(marker) for t in (*paragraphs, *items)}
    return [Section(heading, paragraphs=tuple(Piece(t, t not in others) for t in paragraphs if t),
                    items=tuple(Piece(t, t not in others) for t in items if t))
            for heading, paragraphs, items in shown]


def sample_scores(practice: Practice) -> dict[str, readability.Score]:
    """Variant -> the readability of the sample person's whole pack with the practice's wording."""
    return {variant: readability.score(sample_pack(variant=variant, texts=current_texts(practice, variant),
                                                   practice_name=practice.name,
                                                   practice_phone=practice.phone or SAMPLE_PHONE).text())
            for variant in wording.VARIANTS}

"""Review protocols per condition, read from protocols.toml. Pure: no Django.

A protocol says which steps a condition's annual review needs: tests and measurements for the
tests appointment, and topics for the care planning conversation. Each step ("item") says how long
it takes and who may do it. The data file cites its sources; this module only reads and checks it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

TESTS = "tests"
CONVERSATION = "conversation"
PARTS = (TESTS, CONVERSATION)

HCA, NURSE, PHARMACIST, GP = "hca", "nurse", "pharmacist", "gp"
#: Who does a step when several may: the first in this order (the least specialised first, so
#: clinicians' time goes where only they can help).
ROLE_ORDER: tuple[str, ...] = (HCA, NURSE, PHARMACIST, GP)
ROLE_NAMES: dict[str, str] = {HCA: "HCA", NURSE: "nurse", PHARMACIST: "pharmacist", GP: "GP"}


class ProtocolError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    key: str
    name: str
    plain: str
    part: str
    roles: tuple[str, ...]
    minutes: int = 0
    needs: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    when_due_months: int | None = None
    prepare: str = ""


@dataclass(frozen=True)
class Protocol:
    condition: str
    source: str
    items: tuple[str, ...]
    complexity: float = 1.0
    lead: bool = False


@dataclass(frozen=True)
class ConversationPolicy:
    """How long the care planning conversation is, and when a GP or specialist nurse holds it."""

    base: int = 20
    per_condition: int = 5
    cap: int = 40
    round_to: int = 5
    longer_appointment: int = 10
    lead_conditions: int = 4


@dataclass(frozen=True)
class Protocols:
    items: Mapping[str, Item]
    conditions: Mapping[str, Protocol]
    conversation: ConversationPolicy

    def item(self, key: str) -> Item:
        return self.items[key]

    def protocol(self, condition: str) -> Protocol | None:
        return self.conditions.get(condition)


def _tuple_of_str(value, *, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProtocolError(f"{where} must be a list of strings")
    return tuple(value)


def parse(text: str) -> Protocols:
    """Read and check protocols written as in protocols.toml."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"protocols: {exc}") from None
    items: dict[str, Item] = {}
    for key, raw in data.get("items", {}).items():
        where = f"items.{key}"
        unknown = set(raw) - {"name", "plain", "part", "minutes", "roles", "needs", "concepts",
                              "when_due_months", "prepare"}
        if unknown:
            raise ProtocolError(f"{where}: unknown keys {sorted(unknown)}")
        part = raw.get("part")
        if part not in PARTS:
            raise ProtocolError(f"{where}: part must be one of {PARTS}")
        roles = _tuple_of_str(raw.get("roles", []), where=f"{where}.roles")
        if not roles or set(roles) - set(ROLE_ORDER):
            raise ProtocolError(f"{where}: roles must be a non-empty list from {ROLE_ORDER}")
        minutes = raw.get("minutes", 0)
        if not isinstance(minutes, int) or minutes < 0:
            raise ProtocolError(f"{where}: minutes must be a whole number, 0 or more")
        if part == CONVERSATION and minutes:
            raise ProtocolError(f"{where}: conversation topics take no minutes of their own")
        due = raw.get("when_due_months")
        if due is not None and (not isinstance(due, int) or due < 1):
            raise ProtocolError(f"{where}: when_due_months must be a whole number of months")
        for text_key in ("name", "plain"):
            if not isinstance(raw.get(text_key), str) or not raw[text_key].strip():
                raise ProtocolError(f"{where}: {text_key} is required")
        items[key] = Item(
            key=key, name=raw["name"], plain=raw["plain"], part=part, roles=roles, minutes=minutes,
            needs=_tuple_of_str(raw.get("needs", []), where=f"{where}.needs"),
            concepts=_tuple_of_str(raw.get("concepts", []), where=f"{where}.concepts"),
            when_due_months=due, prepare=raw.get("prepare", ""),
        )
    for item in items.values():
        for need in item.needs:
            if need not in items:
                raise ProtocolError(f"items.{item.key}: needs unknown item {need!r}")
            if items[need].part != item.part:
                raise ProtocolError(f"items.{item.key}: needs {need!r}, which is in another part")
            if items[need].needs:
                raise ProtocolError(f"items.{item.key}: {need!r} is a shared step and cannot need others")
    conditions: dict[str, Protocol] = {}
    for slug, raw in data.get("conditions", {}).items():
        where = f"conditions.{slug}"
        unknown = set(raw) - {"source", "items", "complexity", "lead"}
        if unknown:
            raise ProtocolError(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(raw.get("source"), str) or not raw["source"].strip():
            raise ProtocolError(f"{where}: cite a source")
        keys = _tuple_of_str(raw.get("items", []), where=f"{where}.items")
        for key in keys:
            if key not in items:
                raise ProtocolError(f"{where}: unknown item {key!r}")
        if len(set(keys)) != len(keys):
            raise ProtocolError(f"{where}: an item is listed twice")
        complexity = raw.get("complexity", 1)
        if not isinstance(complexity, int | float) or complexity < 0:
            raise ProtocolError(f"{where}: complexity must be a number, 0 or more")
        conditions[slug] = Protocol(
            condition=slug, source=" ".join(raw["source"].split()), items=keys,
            complexity=float(complexity), lead=bool(raw.get("lead", False)),
        )
    raw_policy = data.get("conversation", {})
    try:
        policy = ConversationPolicy(**raw_policy)
    except TypeError as exc:
        raise ProtocolError(f"conversation: {exc}") from None
    return Protocols(items=MappingProxyType(items), conditions=MappingProxyType(conditions),
                     conversation=policy)


@cache
def load() -> Protocols:
    """The protocols shipped with Tandem (tandem/recall/protocols.toml), read once."""
    text = resources.files("tandem.recall").joinpath("protocols.toml").read_text(encoding="utf-8")
    return parse(text)

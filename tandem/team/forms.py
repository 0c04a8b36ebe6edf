"""Reading the team forms: every value through `rules` (names, username, email, role) or
`tandem.core.parsing` (ids, versions). Nothing is saved here."""

from __future__ import annotations

from dataclasses import dataclass, field

from tandem.core.parsing import read_id, read_version
from tandem.core.rules import Role

from . import rules

MAX_FIELD = 1000  # longer than any field may be: read no further


def _text(data, name: str) -> str:
    value = data.get(name, "")
    return value[:MAX_FIELD] if isinstance(value, str) else ""


@dataclass
class NewMember:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    role: Role | None = None


FIELDS = ("first_name", "last_name", "username", "email", "role")


def read_new_member(data) -> NewMember:
    form = NewMember(values={name: _text(data, name) for name in FIELDS})
    cleaned = {}
    for name, label in (("first_name", "first name"), ("last_name", "last name")):
        cleaned[name], error = rules.clean_name(form.values[name], label=label)
        if error:
            form.errors[name] = error
    cleaned["username"], error = rules.clean_username(form.values["username"])
    if error:
        form.errors["username"] = error
    cleaned["email"], error = rules.clean_email(form.values["email"])
    if error:
        form.errors["email"] = error
    form.role, error = rules.clean_role(form.values["role"])
    if error:
        form.errors["role"] = error
    if not form.errors:
        form.values.update(cleaned)
    return form


def read_member_id(data) -> int | None:
    return read_id(data.get("id", ""))


def read_member_version(data) -> int | None:
    return read_version(data.get("version", ""))


@dataclass
class StepsForm:
    chosen: dict[str, list[str]]
    errors: dict[str, str]
    steps: rules.StepRoles | None
    version: int | None


def read_steps(data) -> StepsForm:
    chosen = {step.value: [v[:20] for v in data.getlist(step.value)][:20] for step in rules.Step}
    steps, errors = rules.check_steps(chosen)
    return StepsForm(chosen=chosen, errors=errors, steps=steps, version=read_version(data.get("version", "")))

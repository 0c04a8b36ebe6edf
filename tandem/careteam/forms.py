"""Reading the wider care team's forms: every value bounded, every problem a clear message on its field.
Names, usernames and email addresses are read as the team pages read them (tandem.team.rules); dates and ids
by tandem.core.parsing."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from tandem.core import parsing
from tandem.core.models import Provider
from tandem.team import rules as team_rules

from . import rules

_ODS = re.compile(r"[A-Z0-9]{3,10}")
_PHONE = re.compile(r"[0-9 +()-]{6,30}")


@dataclass
class Form:
    """What was read (`values`) and what was wrong (`errors`: field -> message), in the order shown."""

    values: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def text(data: Mapping, name: str, *, label: str, limit: int, required: bool = False, form: Form,
         lines: bool = False) -> str:
    """A typed text: control characters refused; inner spaces kept single unless `lines` (a paragraph)."""
    raw = str(data.get(name, "") or "")
    value = raw.strip() if lines else " ".join(raw.split())
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") and c not in "\r\n\t" for c in value):
        form.errors[name] = f"{label[0].upper()}{label[1:]} must not include control characters"
    elif required and not value:
        form.errors[name] = f"Enter {label}"
    elif len(value) > limit:
        form.errors[name] = f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer"
    form.values[name] = value
    return value


def read_provider(data: Mapping) -> Form:
    form = Form()
    text(data, "name", label="the organisation's name", limit=120, required=True, form=form)
    kind = str(data.get("kind", ""))
    if kind not in Provider.Kind.values:
        form.errors["kind"] = "Choose what kind of organisation it is"
    form.values["kind"] = kind if kind in Provider.Kind.values else ""
    ods = text(data, "ods_code", label="the ODS code", limit=10, form=form).upper()
    if ods and "ods_code" not in form.errors and not _ODS.fullmatch(ods):
        form.errors["ods_code"] = "An ODS code is 3 to 10 letters and numbers, like RXK or 8HQ12"
    form.values["ods_code"] = ods
    text(data, "service", label="what it does", limit=300, form=form)
    email = str(data.get("email", "") or "").strip()
    if email:
        email, error = team_rules.clean_email(email)
        if error:
            form.errors["email"] = error
    form.values["email"] = email
    phone = text(data, "phone", label="the phone number", limit=30, form=form)
    if phone and "phone" not in form.errors and not _PHONE.fullmatch(parsing.fold_digits(phone)):
        form.errors["phone"] = "Enter a phone number in numbers, like 01632 960 123"
    text(data, "address", label="the address", limit=300, form=form)
    return form


def read_professional(data: Mapping) -> Form:
    form = Form()
    for name, label in (("first_name", "first name"), ("last_name", "last name")):
        value, error = team_rules.clean_name(data.get(name), label=label)
        form.values[name] = value or " ".join(str(data.get(name, "")).split())[:team_rules.MAX_NAME]
        if error:
            form.errors[name] = error
    for name, clean in (("username", team_rules.clean_username), ("email", team_rules.clean_email)):
        value, error = clean(data.get(name))
        form.values[name] = value or str(data.get(name, "")).strip()[:300]
        if error:
            form.errors[name] = error
    text(data, "job", label="their job, like Community matron", limit=80, required=True, form=form)
    return form


def read_member(data: Mapping, *, professionals: Mapping[int, str], today: dt.date) -> Form:
    """Who joins the care team (a professional of the chosen organisation, or "team": all of them), their role,
    scopes and how the person agreed."""
    form = Form()
    who = str(data.get("professional", ""))
    if who == "team":
        form.values["professional"] = None
    else:
        pk = parsing.read_id(who)
        if pk is None or pk not in professionals:
            form.errors["professional"] = "Choose who joins their care team: one professional, or the whole team"
        form.values["professional"] = pk if pk in professionals else None
    form.values["professional_choice"] = who[:20]
    text(data, "role", label="their part in this person's care", limit=rules.MAX_ROLE, required=True, form=form)
    scopes = data.getlist("scopes") if hasattr(data, "getlist") else list(data.get("scopes", []))
    form.values["scopes"] = [s for s in scopes if s in rules.CHOSEN_SCOPES]
    how = str(data.get("agreed_how", ""))
    if how not in rules.AGREED_HOW:
        form.errors["agreed_how"] = "Say how the person agreed to this"
    form.values["agreed_how"] = how if how in rules.AGREED_HOW else ""
    day = parsing.read_date(data.get("agreed-day"), data.get("agreed-month"), data.get("agreed-year"),
                            label="The day they agreed", earliest=today - dt.timedelta(days=366), latest=today)
    if day.error:
        form.errors["agreed"] = day.error
    form.values["agreed_on"] = day.value or (today if not day.error else None)
    form.values["agreed_typed"] = {p: str(data.get(f"agreed-{p}", ""))[:10] for p in ("day", "month", "year")}
    note = text(data, "agreed_note", label="the note", limit=rules.MAX_NOTE, form=form, lines=True)
    if how == "representative" and not note and "agreed_note" not in form.errors:
        form.errors["agreed_note"] = "Say who agreed for them, and on what basis"
    return form


def read_reason(data: Mapping, *, label: str = "the reason", required: bool = True) -> Form:
    form = Form()
    text(data, "reason", label=label, limit=rules.MAX_NOTE, required=required, form=form, lines=True)
    return form

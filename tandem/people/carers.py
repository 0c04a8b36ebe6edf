"""Reading the form that gives a carer access (ADR 16, section 4): the person's own on /my/carers/new/
and the staff one for a person who lacks capacity. Pure: no database.

One reader for both, so the same bad input gets the same clear error wherever it is typed. Dates come
from the three boxes through tandem.core.parsing; every text is bounded; scopes come from a closed list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tandem.core import parsing
from tandem.patients.models import RelatedPerson

from .rules import MAX_GRANT_YEARS, Scope

NAME_MAX = 100
EMAIL_MAX = 254
DETAIL_MAX = 2000
REASON_MAX = 300


@dataclass(frozen=True)
class GrantRequest:
    given_name: str
    family_name: str
    birth_date: dt.date
    email: str
    relationship: str
    scopes: frozenset[Scope]
    starts_on: dt.date
    ends_on: dt.date
    review_on: dt.date | None


@dataclass(frozen=True)
class StaffDecision:
    basis: str
    basis_detail: str
    identity_check: str


def _text(data: Mapping, name: str) -> str:
    value = data.get(name, "")
    return " ".join(value.split()) if isinstance(value, str) else ""


def _date(data: Mapping, prefix: str, *, label: str, earliest=None, latest=None):
    return parsing.read_date(data.get(f"{prefix}-day", ""), data.get(f"{prefix}-month", ""),
                             data.get(f"{prefix}-year", ""), label=label, earliest=earliest, latest=latest)


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def read_grant(data: Mapping, *, today: dt.date, scopes_field: str = "scopes") -> tuple[GrantRequest | None, dict]:
    """The grant typed on the form, or None and an error per field (keyed by the field's id)."""
    errors: dict[str, str] = {}
    names = {}
    for field, label in (("given_name", "Their first name"), ("family_name", "Their last name")):
        value = _text(data, field)
        if not value:
            errors[field] = f"Enter {label[0].lower() + label[1:]}"
        elif len(value) > NAME_MAX:
            errors[field] = f"{label} must be {NAME_MAX} characters or fewer"
        elif any(not (ch.isprintable()) for ch in value):
            errors[field] = f"{label} must only include letters, spaces, hyphens and apostrophes"
        names[field] = value
    born = _date(data, "birth", label="Their date of birth", earliest=dt.date(1900, 1, 1),
                 latest=today - dt.timedelta(days=365 * 16))
    if born.error:
        errors["birth"] = (born.error if born.problem != parsing.TOO_LATE
                           else "A carer who helps with someone's care online must be 16 or older")
    elif born.value is None:
        errors["birth"] = "Enter their date of birth"
    email = _text(data, "email")
    if not email:
        errors["email"] = "Enter their email address, so we can send them an invitation"
    elif len(email) > EMAIL_MAX:
        errors["email"] = f"Their email address must be {EMAIL_MAX} characters or fewer"
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Enter an email address in the correct format, like name@example.com"
    relationship = data.get("relationship", "")
    if relationship not in RelatedPerson.Relationship.values:
        errors["relationship"] = "Select how they are related to you"
        relationship = ""
    raw_scopes = data.getlist(scopes_field) if hasattr(data, "getlist") else data.get(scopes_field, [])
    if isinstance(raw_scopes, str):
        raw_scopes = [raw_scopes]
    scopes = frozenset(Scope(s) for s in raw_scopes if isinstance(s, str) and s in Scope._value2member_map_)
    if not scopes or len(scopes) != len(set(raw_scopes)):
        errors["scopes"] = "Select what they can do"
    ends = _date(data, "ends", label="The date their access ends", earliest=today + dt.timedelta(days=1),
                 latest=years_after(today, MAX_GRANT_YEARS))
    if ends.error:
        errors["ends"] = ends.error
    elif ends.value is None:
        errors["ends"] = "Enter the date their access ends"
    review = _date(data, "review", label="The review date", earliest=today + dt.timedelta(days=1),
                   latest=ends.value or years_after(today, MAX_GRANT_YEARS))
    if review.error:
        errors["review"] = review.error
    if errors:
        return None, errors
    return GrantRequest(given_name=names["given_name"], family_name=names["family_name"], birth_date=born.value,
                        email=email, relationship=relationship, scopes=scopes, starts_on=today, ends_on=ends.value,
                        review_on=review.value), {}


def read_decision(data: Mapping, *, bases: Mapping[str, str], checks: Mapping[str, str]) -> tuple[StaffDecision | None,
                                                                                                   dict]:
    """The staff part of a grant for a person who lacks capacity: the basis, its evidence (required:
    DAPB3051 asks for the reason in the record) and how the carer's identity was checked."""
    errors: dict[str, str] = {}
    basis = data.get("basis", "")
    if basis not in bases:
        errors["basis"] = "Select the legal basis for this access"
    detail = data.get("basis_detail", "")
    detail = detail.strip() if isinstance(detail, str) else ""
    if not detail:
        errors["basis_detail"] = "Enter what you saw or considered (for example the LPA's reference, checked "\
                                 "with the Office of the Public Guardian, or the best interests factors)"
    elif len(detail) > DETAIL_MAX:
        errors["basis_detail"] = f"What you saw or considered must be {DETAIL_MAX} characters or fewer"
    check = data.get("identity_check", "")
    if check not in checks:
        errors["identity_check"] = "Select how you checked who the carer is"
    if errors:
        return None, errors
    return StaffDecision(basis=basis, basis_detail=detail, identity_check=check), {}


def read_reason(data: Mapping, *, required: bool) -> tuple[str, str]:
    """(reason, error) for ending access or hiding an entry."""
    reason = _text(data, "reason")
    if required and not reason:
        return "", "Enter the reason"
    if len(reason) > REASON_MAX:
        return "", f"The reason must be {REASON_MAX} characters or fewer"
    return reason, ""


def read_new_end(data: Mapping, *, today: dt.date) -> tuple[dt.date | None, str]:
    """(the new end date, error) when access is renewed: after today, within MAX_GRANT_YEARS."""
    read = _date(data, "ends", label="The new end date", earliest=today + dt.timedelta(days=1),
                 latest=years_after(today, MAX_GRANT_YEARS))
    if read.value is None:
        return None, read.error or "Enter the new end date"
    return read.value, ""

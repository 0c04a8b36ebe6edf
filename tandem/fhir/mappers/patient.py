"""FHIR Patient -> Tandem Patient fields. Pure.

People are matched by NHS number, so a Patient without a valid one cannot be
imported. Only the fields the resource actually carries are returned: importing
a sparse Patient never blanks what the practice already holds.

Not imported, on purpose: generalPractitioner and managingOrganization (the
practice is the one importing), contact (carers are recorded with consent in
Tandem), active=false (a merged or inactive record elsewhere says nothing about
registration here), maritalStatus, photo, link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tandem.patients.rules import InvalidNHSNumber, normalise_nhs_number

from .common import NHS_NUMBER, NHS_NUMBER_SYSTEMS, MappingError, clip, is_partial_date, to_date

# Lengths of the Patient model's columns.
_LENGTHS = {
    "given_name": 100, "family_name": 100, "address_line1": 200, "address_line2": 200, "town": 100,
    "postcode": 10, "phone": 30, "mobile": 30, "email": 254, "preferred_language": 40,
}
_NAME_PREFERENCE = ("official", "usual", None, "temp", "nickname", "anonymous")
_SEX = {"male": "male", "female": "female", "other": "other", "unknown": "unknown"}
# BCP 47 primary language subtags -> the language's name in English (ISO 639-1).
_LANGUAGES = {
    "en": "English", "cy": "Welsh", "pl": "Polish", "ro": "Romanian", "pa": "Punjabi", "ur": "Urdu",
    "bn": "Bengali", "gu": "Gujarati", "ar": "Arabic", "pt": "Portuguese", "es": "Spanish",
    "fr": "French", "it": "Italian", "lt": "Lithuanian", "so": "Somali", "ta": "Tamil", "tr": "Turkish",
    "zh": "Chinese", "nl": "Dutch", "de": "German", "fa": "Persian", "hi": "Hindi", "ru": "Russian",
    "uk": "Ukrainian", "bg": "Bulgarian", "sq": "Albanian", "ku": "Kurdish", "ti": "Tigrinya",
}

NO_NHS_NUMBER = (
    "has no NHS number. Tandem matches people by NHS number, so each Patient needs an identifier "
    f"with system {NHS_NUMBER} and a valid 10-digit NHS number. Files from systems outside the "
    "NHS in England (for example HL7 or Synthea examples) do not have one."
)


@dataclass
class MappedPatient:
    nhs_number: str
    fields: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def nhs_number_of(resource: Any) -> str:
    """The patient's NHS number, normalised; MappingError when missing, invalid or conflicting."""
    raws = [i.value for i in resource.identifier or [] if i.system in NHS_NUMBER_SYSTEMS and i.value]
    if not raws:
        raise MappingError(NO_NHS_NUMBER)
    numbers = set()
    for raw in raws:
        try:
            numbers.add(normalise_nhs_number(raw))
        except InvalidNHSNumber as exc:
            raise MappingError(f"has an NHS number that is not valid: {exc}") from None
    if len(numbers) > 1:
        raise MappingError("has two different NHS numbers; a person has one.")
    return numbers.pop()


def _current(items: list[Any]) -> list[Any]:
    """Drop items marked old or whose period has ended."""
    return [i for i in items if getattr(i, "use", None) != "old" and not (i.period and i.period.end)]


def _name(resource: Any) -> Any | None:
    names = _current(list(resource.name or [])) or list(resource.name or [])
    for use in _NAME_PREFERENCE:
        for name in names:
            if name.use == use and (name.family or name.given or name.text):
                return name
    return next((n for n in names if n.family or n.given or n.text), None)


def _names(resource: Any) -> dict[str, str]:
    name = _name(resource)
    if name is None:
        return {}
    given = " ".join(g for g in name.given or [] if g)
    family = name.family or ""
    if not family and name.text:
        *first, last = name.text.split()
        family, given = last, given or " ".join(first)
    out = {}
    if given:
        out["given_name"] = given
    if family:
        out["family_name"] = family
    return out


def _address(resource: Any) -> dict[str, str]:
    addresses = _current(list(resource.address or []))
    chosen = next((a for a in addresses if a.use == "home"), None) or next(
        (a for a in addresses if a.use not in ("billing", "temp")), None
    )
    if chosen is None:
        return {}
    lines = [line for line in chosen.line or [] if line]
    out = {}
    if lines:
        out["address_line1"] = lines[0]
    rest = [*lines[1:], chosen.district] if chosen.district else lines[1:]
    if rest:
        out["address_line2"] = ", ".join(r for r in rest if r)
    if chosen.city:
        out["town"] = chosen.city
    if chosen.postalCode:
        out["postcode"] = " ".join(chosen.postalCode.upper().split())
    return out


def _telecom(resource: Any) -> dict[str, str]:
    points = sorted(_current(list(resource.telecom or [])), key=lambda t: t.rank or 1000)
    out: dict[str, str] = {}
    for point in points:
        if not point.value:
            continue
        if point.system == "email":
            out.setdefault("email", point.value.strip())
        elif point.system == "sms" or (point.system == "phone" and point.use == "mobile"):
            out.setdefault("mobile", point.value)
        elif point.system == "phone":
            out.setdefault("phone", point.value)
    return out


def _language(resource: Any) -> dict[str, str]:
    comms = list(resource.communication or [])
    chosen = next((c for c in comms if c.preferred), None) or (comms[0] if comms else None)
    if chosen is None or chosen.language is None:
        return {}
    for coding in chosen.language.coding or []:
        if coding.code and coding.code.split("-")[0].lower() in _LANGUAGES:
            return {"preferred_language": _LANGUAGES[coding.code.split("-")[0].lower()]}
    text = chosen.language.text or next((c.display for c in chosen.language.coding or [] if c.display), "")
    return {"preferred_language": text} if text else {}


def map_patient(resource: Any) -> MappedPatient:
    nhs_number = nhs_number_of(resource)
    fields: dict[str, Any] = {}
    fields.update(_names(resource))
    if resource.birthDate is not None:
        if is_partial_date(resource.birthDate):
            raise MappingError(
                f"has a birth date of '{resource.birthDate}'; Tandem needs the full date (year, month and day)."
            )
        fields["date_of_birth"] = to_date(resource.birthDate)
    if resource.gender:
        fields["sex"] = _SEX.get(resource.gender, "unknown")
    fields.update(_address(resource))
    fields.update(_telecom(resource))
    fields.update(_language(resource))
    if resource.deceasedDateTime is not None:
        fields["registration_status"] = "deceased"
        fields["date_of_death"] = to_date(resource.deceasedDateTime)
    elif resource.deceasedBoolean:
        fields["registration_status"] = "deceased"
    mapped = MappedPatient(nhs_number=nhs_number)
    for key, value in fields.items():
        if isinstance(value, str):
            value = clip(value, _LENGTHS.get(key, 255))
            if key == "email" and "@" not in value:
                mapped.warnings.append("email address left out: it is not an email address")
                continue
        mapped.fields[key] = value
    return mapped


REQUIRED_FOR_NEW = {"given_name": "given name", "family_name": "family name", "date_of_birth": "birth date"}


def missing_for_new(fields: dict[str, Any]) -> list[str]:
    """What a Patient must carry to register someone Tandem does not know yet."""
    return [label for key, label in REQUIRED_FOR_NEW.items() if not fields.get(key)]

"""What the FHIR API offers, and reading what a client asks for. Pure: no Django.

One table (TYPES) says which resource types are served, with which search parameters of which kind;
the CapabilityStatement, the OpenAPI description, the scopes the authorisation server knows and the
search parser are all made from it (tandem.fhirapi.capability), so they cannot disagree.

Searching: every parameter is read strictly. An unknown parameter, a modifier (`code:text`), a chain,
a date that is not a date, a token that is too long, a `_count` out of range or digits from another
script are refused with a message (400), never ignored: a client that asked for less than it gets
would show a clinician the wrong rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from tandem.core.parsing import EARLIEST_DATE, LATEST_DATE, digits, read_int

FHIR_VERSION = "4.0.1"
DEFAULT_COUNT, MAX_COUNT = 50, 200
MAX_OFFSET = 10_000  # paging goes this deep; beyond it a client narrows its search (a date, a code)
MAX_VALUE = 200  # longest value of one parameter
MAX_VALUES = 20  # most comma-separated values (OR) in one parameter
MAX_REPEATS = 4  # most times one parameter may be given (AND), e.g. date=ge2026-01&date=lt2026-07
MAX_QUERY = 4000  # longest query string (or _search form body)

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
DMD = "https://dmd.nhs.uk"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
GENDER = "http://hl7.org/fhir/administrative-gender"


# --- The profiles the served resources claim -------------------------------------------------------
# UK Core where its profile of the type is active and what the API serves was checked against it
# (tandem/fhirapi/README.md, "UK Core"); base FHIR R4 for every other type. UK Core's CarePlan, CareTeam,
# Task and QuestionnaireResponse are drafts and it has no Goal: those claim nothing beyond R4.

@dataclass(frozen=True)
class Profile:
    url: str
    version: str  # the StructureDefinition's version the resources were checked against


UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition"
# where the StructureDefinitions checked were read: NHS England's UK Core repository, at this commit
UK_CORE_SOURCE = ("https://github.com/NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN",
                  "3d2827e3e9918674640d0c14a0f870084397a615")
CLAIMED: dict[str, Profile] = {
    "Patient": Profile(f"{UK_CORE}/UKCore-Patient", "2.6.1"),
    "Condition": Profile(f"{UK_CORE}/UKCore-Condition", "2.6.0"),
    "Observation": Profile(f"{UK_CORE}/UKCore-Observation", "2.5.0"),
    "MedicationStatement": Profile(f"{UK_CORE}/UKCore-MedicationStatement", "2.5.0"),
    "ServiceRequest": Profile(f"{UK_CORE}/UKCore-ServiceRequest", "2.5.1"),
}


def base_profile(type_name: str) -> str:
    return f"http://hl7.org/fhir/StructureDefinition/{type_name}"


def profile_of(type_name: str) -> str:
    """The profile every served resource of this type meets: UK Core's where claimed, else base R4."""
    claimed = CLAIMED.get(type_name)
    return claimed.url if claimed is not None else base_profile(type_name)


class Kind(StrEnum):
    TOKEN = "token"  # noqa: S105 - a FHIR search parameter type, not a secret
    DATE = "date"
    REFERENCE = "reference"


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    doc: str
    # dates: whether the value compared has a time of day (a datetime) or is a day
    instant: bool = False
    # tokens: the systems this parameter's codes may come from ("" = any, as sent)
    systems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceType:
    name: str
    doc: str
    params: tuple[Param, ...]
    # a search must name the person (patient, subject or _id), because the resources are worked out
    # from a document rather than read as rows (Goal)
    needs_patient: bool = False

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _id_param() -> Param:
    return Param("_id", Kind.TOKEN, "The resource's id (comma-separated for several)")


def _patient_params() -> tuple[Param, ...]:
    return (Param("patient", Kind.REFERENCE, "Who it is about: Patient/<id> or <id>"),
            Param("subject", Kind.REFERENCE, "Who it is about: Patient/<id> or <id>"))


def _updated(doc: str) -> Param:
    return Param("_lastUpdated", Kind.DATE, doc, instant=True)


TYPES: dict[str, ResourceType] = {t.name: t for t in (
    ResourceType("Patient", "People registered at the practices the token may see", (
        _id_param(),
        Param("identifier", Kind.TOKEN, f"NHS number: {NHS_NUMBER}|9434765919", systems=(NHS_NUMBER,)),
        Param("birthdate", Kind.DATE, "Date of birth"),
        Param("gender", Kind.TOKEN, "male | female | other | unknown", systems=(GENDER,)),
        _updated("When the person's details last changed"),
    )),
    ResourceType("Condition", "Coded diagnoses (SNOMED CT)", (
        _id_param(), *_patient_params(),
        Param("code", Kind.TOKEN, f"SNOMED CT: {SNOMED}|44054006 or 44054006", systems=(SNOMED,)),
        Param("clinical-status", Kind.TOKEN, "active | resolved", systems=(CONDITION_CLINICAL,)),
        Param("category", Kind.TOKEN, "problem-list-item (every diagnosis Tandem holds)",
              systems=(CONDITION_CATEGORY,)),
        Param("onset-date", Kind.DATE, "Date of onset"),
        _updated("When Tandem last recorded or changed it"),
    )),
    ResourceType("Observation", "Results and measurements (LOINC or SNOMED CT)", (
        _id_param(), *_patient_params(),
        Param("code", Kind.TOKEN, f"{LOINC}|4548-4 or {SNOMED}|999791000000106", systems=(LOINC, SNOMED)),
        Param("date", Kind.DATE, "When it was measured (effective date)"),
        Param("status", Kind.TOKEN, "final (every result Tandem holds)"),
        _updated("When Tandem last recorded or changed it"),
    )),
    ResourceType("MedicationStatement", "Medicines the person takes or took (dm+d)", (
        _id_param(), *_patient_params(),
        Param("code", Kind.TOKEN, f"dm+d: {DMD}|<code>", systems=(DMD,)),
        Param("status", Kind.TOKEN, "active | stopped"),
        Param("effective", Kind.DATE, "When the course started"),
        _updated("When Tandem last recorded or changed it"),
    )),
    ResourceType("CarePlan", "The person's current personalised care and support plan (latest version)", (
        _id_param(), *_patient_params(),
        Param("status", Kind.TOKEN, "active (only the latest version is served)"),
        Param("category", Kind.TOKEN, f"{SNOMED}|734163000 (care plan)", systems=(SNOMED,)),
        Param("date", Kind.DATE, "When this version was saved (period start)", instant=True),
        _updated("When the latest version was saved"),
    )),
    ResourceType("Goal", "Goals in the person's words and agreed targets, from the current plan", (
        _id_param(), *_patient_params(),
        Param("lifecycle-status", Kind.TOKEN, "accepted | active | completed | cancelled"),
    ), needs_patient=True),
    ResourceType("QuestionnaireResponse", "Answers to check-ins between visits", (
        _id_param(), *_patient_params(),
        Param("authored", Kind.DATE, "When the answers were given", instant=True),
        Param("status", Kind.TOKEN, "completed"),
        _updated("When the answers were given (answers never change)"),
    )),
    ResourceType("CareTeam", "Who cares for the person: their named clinician and the professionals and teams "
                             "outside the practice in their care team", (
        _id_param(), *_patient_params(),
        Param("status", Kind.TOKEN, "active"),
    )),
    ResourceType("Task", "Tasks from care plans: for the practice team, referrals to organisations outside the "
                         "practice (owned by that organisation), and additions to the plan from the care team "
                         "(intent proposal, code change)", (
        _id_param(), *_patient_params(),
        Param("status", Kind.TOKEN, "requested | accepted | rejected | in-progress | completed | cancelled"),
        Param("intent", Kind.TOKEN, "order (a task or referral) | proposal (an addition to the plan)"),
        Param("authored-on", Kind.DATE, "When it was asked for", instant=True),
        _updated("When it last changed"),
    )),
    ResourceType("ServiceRequest", "Referrals from care plans to organisations outside the practice", (
        _id_param(), *_patient_params(),
        Param("status", Kind.TOKEN, "active | completed | revoked"),
        Param("authored", Kind.DATE, "When the referral was made", instant=True),
        _updated("When it last changed"),
    )),
)}

# Parameters of the search itself, accepted by every type.
RESULT_PARAMS = ("_count", "_offset", "_format", "_total")
TOTALS = {"none", "estimate", "accurate"}  # _total: the total is always counted exactly
FORMATS = {"json", "application/json", "application/fhir+json"}


# --- Scopes (SMART App Launch, v2 and the v1 forms) ------------------------------------------------

CONTEXTS = ("user", "patient")
# permission suffixes that allow read and search (v2 "rs", "r", "s"; v1 "read")
READ_SUFFIXES = ("rs", "r", "s", "read")
LAUNCH_PATIENT = "launch/patient"
EXTRA_SCOPES = {LAUNCH_PATIENT: "Choose one person when you allow access",
                "offline_access": "Keep access after you sign out, until it is withdrawn",
                "online_access": "Keep access while you are signed in"}


# What other providers may change through the API (tandem.fhirapi.writes): a Task's status (a referral to
# their organisation, as they answer it; withdrawing their own addition to a plan), and adding to a plan (a
# Task proposing the change). SMART v2 permissions c (create) and u (update), and the v1 "write".
WRITABLE = ("Task",)
WRITE_SUFFIXES = ("cu", "c", "u", "cruds", "write")


def all_scopes() -> dict[str, str]:
    """Every scope the authorisation server accepts, with what it means in plain words."""
    out: dict[str, str] = {}
    for context in CONTEXTS:
        whom = ("any person whose records you can see" if context == "user"
                else "the one person you choose")
        for suffix in WRITE_SUFFIXES:
            verb = {"cu": "Answer tasks and referrals, and add to", "c": "Add to", "u": "Answer tasks and referrals in",
                    "cruds": "Read, search, answer and add to", "write": "Answer tasks and referrals, and add to"}[suffix]
            out[f"{context}/Task.{suffix}"] = f"{verb} care plans, for {whom}"
    for context in CONTEXTS:
        whom = ("any person whose records you can see" if context == "user"
                else "the one person you choose")
        for name in (*TYPES, "*"):
            what = "all their records Tandem shares" if name == "*" else _PLAIN.get(name, name)
            for suffix in READ_SUFFIXES:
                verb = {"rs": "Read and search", "r": "Read", "s": "Search", "read": "Read and search"}[suffix]
                out[f"{context}/{name}.{suffix}"] = f"{verb} {what} for {whom}"
    out.update(EXTRA_SCOPES)
    return out


_PLAIN = {"Patient": "who they are (name, NHS number, date of birth)", "Condition": "their diagnoses",
          "Observation": "their results and measurements", "MedicationStatement": "their medicines",
          "CarePlan": "their care and support plan", "Goal": "their goals and agreed targets",
          "QuestionnaireResponse": "their answers to check-ins", "CareTeam": "who is in their care team",
          "Task": "tasks and referrals from their care plan, and additions to it",
          "ServiceRequest": "referrals from their care plan"}

_SCOPE = re.compile(r"(user|patient)/([A-Za-z]+|\*)\.(cruds|cu|rs|r|s|c|u|read|write)")


@dataclass(frozen=True)
class Grant:
    """What a token's scopes allow: for each resource type, read and/or search; whether any scope is
    bound to one patient."""

    read: frozenset[str]
    search: frozenset[str]
    patient_bound: bool
    create: frozenset[str] = frozenset()
    update: frozenset[str] = frozenset()

    def allows(self, type_name: str, interaction: str) -> bool:
        return type_name in {"read": self.read, "search": self.search, "create": self.create,
                             "update": self.update}.get(interaction, frozenset())


def grant_of(scope: str) -> Grant:
    read: set[str] = set()
    search: set[str] = set()
    create: set[str] = set()
    update: set[str] = set()
    bound = False
    for item in scope.split():
        match = _SCOPE.fullmatch(item)
        if match is None:
            continue
        context, name, suffix = match.groups()
        if name != "*" and name not in TYPES:
            continue
        names = set(TYPES) if name == "*" else {name}
        bound = bound or context == "patient"
        if suffix in ("rs", "r", "read", "cruds"):
            read |= names
        if suffix in ("rs", "s", "read", "cruds"):
            search |= names
        if suffix in ("cu", "c", "cruds", "write"):
            create |= names & set(WRITABLE)
        if suffix in ("cu", "u", "cruds", "write"):
            update |= names & set(WRITABLE)
    return Grant(frozenset(read), frozenset(search), bound, frozenset(create), frozenset(update))


def scope_lines(scope: str) -> list[str]:
    """The scopes asked for, in plain words, in a stable order, for the consent page."""
    known = all_scopes()
    return [known[s] for s in sorted(set(scope.split()), key=lambda s: (s not in EXTRA_SCOPES, s)) if s in known]


def needs_patient_choice(scope: str) -> bool:
    return grant_of(scope).patient_bound or LAUNCH_PATIENT in scope.split()


# --- Reading a search ------------------------------------------------------------------------------

class SearchError(ValueError):
    """A search the API refuses (400), with a message for the client's developer."""


@dataclass(frozen=True)
class Token:
    system: str | None  # None: any system; "": no system
    code: str | None  # None: any code of the system


@dataclass(frozen=True)
class DateRange:
    """A date parameter's test: `prefix` against the range [start, end) the value names. For a day
    column the ends are days; for a time column they are aware datetimes (UTC)."""

    prefix: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime


@dataclass(frozen=True)
class Search:
    type: str
    tokens: dict[str, tuple[tuple[Token, ...], ...]] = field(default_factory=dict)  # AND of ORs
    dates: dict[str, tuple[DateRange, ...]] = field(default_factory=dict)  # AND
    patients: tuple[tuple[str, ...], ...] = ()  # AND of ORs of Patient ids (as sent: opaque)
    count: int = DEFAULT_COUNT
    offset: int = 0

    def page(self, offset: int) -> list[tuple[str, str]]:
        """This search's parameters for another page, in a fixed order (the links)."""
        out: list[tuple[str, str]] = []
        for name, alternatives in sorted(self.tokens.items()):
            out += [(name, ",".join(_token_text(t) for t in ors)) for ors in alternatives]
        for name, ranges in sorted(self.dates.items()):
            out += [(name, f"{r.prefix}{_date_text(r)}") for r in ranges]
        out += [("patient", ",".join(ors)) for ors in self.patients]
        out += [("_count", str(self.count))]
        if offset:
            out += [("_offset", str(offset))]
        return out


def _token_text(token: Token) -> str:
    if token.system is None:
        return token.code or ""
    return f"{token.system}|{token.code or ''}"


def _date_text(r: DateRange) -> str:
    return r.start.isoformat() if isinstance(r.start, dt.date) and not isinstance(r.start, dt.datetime) \
        else r.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


PREFIXES = ("eq", "lt", "le", "gt", "ge")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_INSTANT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?(Z|[+-][0-9]{2}:[0-9]{2})")
_SAFE_TEXT = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces: codes, systems, ids


def _one_date(name: str, text: str, *, instant: bool) -> DateRange:
    prefix = text[:2] if text[:2] in PREFIXES else "eq"
    value = text[2:] if text[:2] in PREFIXES else text
    hint = f"{name} must be a date like 2026, 2026-05 or 2026-05-14, with an optional prefix eq, lt, le, gt or ge"
    if not value.isascii():
        raise SearchError(hint)
    match = _DATE.fullmatch(value)
    try:
        if match is not None:
            year, month, day = match.groups()
            if day:
                start = dt.date(int(year), int(month), int(day))
                end = start + dt.timedelta(days=1)
            elif month:
                start = dt.date(int(year), int(month), 1)
                end = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
            else:
                start, end = dt.date(int(year), 1, 1), dt.date(int(year) + 1, 1, 1)
            if not (EARLIEST_DATE <= start <= LATEST_DATE):
                raise SearchError(f"{name}: the year must be from {EARLIEST_DATE.year} to {LATEST_DATE.year}")
            if instant:
                return DateRange(prefix, _utc(start), _utc(end))
            return DateRange(prefix, start, end)
        match = _INSTANT.fullmatch(value)
        if match is None:
            raise SearchError(hint)
        if not instant:
            raise SearchError(f"{name} is a day: give a date (2026-05-14), not a time")
        year, month, day, hour, minute, second, zone = match.groups()
        tz = dt.UTC if zone == "Z" else dt.timezone(
            (1 if zone[0] == "+" else -1) * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        start = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=tz)
        if not (EARLIEST_DATE <= start.date() <= LATEST_DATE):
            raise SearchError(f"{name}: the year must be from {EARLIEST_DATE.year} to {LATEST_DATE.year}")
        return DateRange(prefix, start.astimezone(dt.UTC), start.astimezone(dt.UTC) + dt.timedelta(seconds=1))
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, SearchError):
            raise
        raise SearchError(f"{name} must be a real date: {hint[len(name) + 9:]}") from None


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _one_token(name: str, text: str, param: Param) -> Token:
    if not _SAFE_TEXT.fullmatch(text) or text.count("|") > 1:
        raise SearchError(f"{name} must be a code, or system|code, in printable characters without spaces")
    if "|" not in text:
        return Token(None, text)
    system, code = text.split("|")
    if param.systems and system and system not in param.systems:
        raise SearchError(f"{name}: the system must be {' or '.join(param.systems)}")
    if not system and not code:
        raise SearchError(f"{name} must be a code, or system|code")
    return Token(system, code or None)


def _values(name: str, raw: str) -> list[str]:
    if len(raw) > MAX_VALUE * MAX_VALUES:
        raise SearchError(f"{name} is too long")
    parts = raw.split(",")
    if len(parts) > MAX_VALUES:
        raise SearchError(f"{name}: at most {MAX_VALUES} values separated by commas")
    if any(not p for p in parts):
        raise SearchError(f"{name} has an empty value")
    if any(len(p) > MAX_VALUE for p in parts):
        raise SearchError(f"{name}: each value must be at most {MAX_VALUE} characters")
    return parts


def _patient_ids(name: str, values: list[str]) -> tuple[str, ...]:
    out = []
    for value in values:
        ident = value[len("Patient/"):] if value.startswith("Patient/") else value
        if not _SAFE_TEXT.fullmatch(ident) or "/" in ident:
            raise SearchError(f"{name} must be Patient/<id> or <id>")
        out.append(ident)
    return tuple(out)


def _whole(name: str, values: list[str], *, minimum: int, maximum: int, default: int) -> int:
    if not values:
        return default
    if len(values) > 1:
        raise SearchError(f"{name} may be given once")
    if digits(values[0]) != values[0].strip() or not values[0].isascii():
        raise SearchError(f"{name} must be a whole number from {minimum} to {maximum}, in the digits 0-9")
    found = read_int(values[0], label=name, minimum=minimum, maximum=maximum)
    if found.value is None:
        raise SearchError(found.error or f"{name} must be a whole number from {minimum} to {maximum}")
    return found.value


def parse_search(type_name: str, items: list[tuple[str, str]], *, bound: bool = False) -> Search:
    """The search asked for by these query (or form) parameters, or SearchError. `bound`: the token is
    for one person already, so a search that must name its person need not."""
    rtype = TYPES[type_name]
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        if len(name) > 40:
            raise SearchError("a parameter name is too long")
        grouped.setdefault(name, []).append(value)
    tokens: dict[str, list[tuple[Token, ...]]] = {}
    dates: dict[str, list[DateRange]] = {}
    patients: list[tuple[str, ...]] = []
    for name, values in grouped.items():
        if name in RESULT_PARAMS:
            continue
        param = rtype.param(name)
        if param is None:
            shown = name if _SAFE_TEXT.fullmatch(name) and len(name) <= 40 else "(unreadable)"
            known = ", ".join(p.name for p in rtype.params)
            raise SearchError(f"{type_name} has no search parameter '{shown}' here; it has {known}, "
                              f"_count and _offset")
        if len(values) > MAX_REPEATS:
            raise SearchError(f"{name} may be given at most {MAX_REPEATS} times")
        for raw in values:
            parts = _values(name, raw)
            if param.kind is Kind.REFERENCE:
                patients.append(_patient_ids(name, parts))
            elif param.kind is Kind.DATE:
                if len(parts) > 1:
                    raise SearchError(f"{name}: one date per parameter (repeat it for a range)")
                dates.setdefault(name, []).append(_one_date(name, parts[0], instant=param.instant))
            else:
                tokens.setdefault(name, []).append(tuple(_one_token(name, p, param) for p in parts))
    if any(value not in TOTALS for value in grouped.get("_total", [])):
        raise SearchError("_total must be none, estimate or accurate")
    for name in grouped.get("_format", []):
        if name not in FORMATS:
            raise SearchError("_format must be json (this server answers application/fhir+json only)")
    count = _whole("_count", grouped.get("_count", []), minimum=0, maximum=MAX_COUNT, default=DEFAULT_COUNT)
    offset = _whole("_offset", grouped.get("_offset", []), minimum=0, maximum=MAX_OFFSET, default=0)
    if rtype.needs_patient and not patients and "_id" not in tokens and not bound:
        raise SearchError(f"{type_name} search needs patient (or subject or _id)")
    return Search(type=type_name, tokens={k: tuple(v) for k, v in tokens.items()},
                  dates={k: tuple(v) for k, v in dates.items()}, patients=tuple(patients),
                  count=count, offset=offset)


def accepts_fhir_json(accept: str) -> bool:
    """Whether an Accept header lets the API answer application/fhir+json (missing: yes)."""
    if not accept.strip():
        return True
    for part in accept.split(",")[:30]:
        media = part.split(";")[0].strip().lower()
        if media in ("*/*", "application/*", "application/json", "application/fhir+json", "application/json+fhir"):
            return True
    return False

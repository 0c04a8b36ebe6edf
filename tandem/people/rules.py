"""What a person's sign-in asks NHS login for, what it proves, and what it opens. Pure: no Django.

Vectors of trust (ADR 16, section 2; NHS login "Vectors of trust" and "Step-up from P5 to P9",
nhsconnect.github.io/nhslogin): a request carries `vtr`, a list of vectors, and the ID token's `vot`
says which one the person met. The identity level is the vector's first component: P5 (identity
checked without photo ID) or P9 (checked with photo ID, or in person). Both sets must be registered
against Tandem's client id, as NHS login rejects a `vtr` that differs from the registered one.
"""

from __future__ import annotations

import json
from enum import StrEnum


class Level(StrEnum):
    P5 = "P5"
    P9 = "P9"


_RANK = {Level.P5: 5, Level.P9: 9}


class Purpose(StrEnum):
    """Why a person signs in: each purpose opens a part of their Tandem at a level."""

    PLAN = "plan"
    APPOINTMENTS = "appointments"
    AGENDA = "agenda"
    CHECKINS = "check-ins"
    READINGS = "readings"
    RESULTS = "results"
    RECORD = "record"  # anything derived from the GP record: medicines, conditions
    CARERS = "carers"  # who can see my Tandem: granting and ending a carer's access
    CARER = "carer"  # a carer signing in to help someone


# The compact vectors NHS login's examples use (Cp: password, Cd: OTP by SMS or email,
# Ck: cryptographic key, Cm: two factors on the NHS App).
VECTORS: dict[Level, tuple[str, ...]] = {
    Level.P5: ("P5.Cp.Cd", "P5.Cp.Ck", "P5.Cm"),
    Level.P9: ("P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"),
}

# The plan is shown at P5, as the person's own words; results and the record need P9. A practice that
# judges plans sensitive moves PLAN to P9 here.
LEVEL_FOR: dict[Purpose, Level] = {
    Purpose.PLAN: Level.P5,
    Purpose.APPOINTMENTS: Level.P5,
    Purpose.AGENDA: Level.P5,
    Purpose.CHECKINS: Level.P5,
    Purpose.READINGS: Level.P5,
    Purpose.RESULTS: Level.P9,
    Purpose.RECORD: Level.P9,
    Purpose.CARERS: Level.P9,
    Purpose.CARER: Level.P9,
}

# A carer always signs in at P9: DAPB3051 (Authorisation use case: proxy) 4.3.1 allows only a high
# level of identity verification for a proxy.
CARER_LEVEL = Level.P9


def level_needed(purpose: Purpose, *, carer: bool = False) -> Level:
    return CARER_LEVEL if carer else LEVEL_FOR[purpose]


def vtr_for(purpose: Purpose, *, carer: bool = False) -> tuple[str, ...]:
    return VECTORS[level_needed(purpose, carer=carer)]


def vtr_param(vectors: tuple[str, ...] | list[str]) -> str:
    """The `vtr` request parameter, written compact as NHS login's examples are."""
    return json.dumps(list(vectors), separators=(",", ":"))


def level_of(vot: object, *, asked: tuple[str, ...] | list[str]) -> Level | None:
    """The level a `vot` proves, or None when it is not exactly one of the vectors asked for
    (NHS login EIS: `vot` must be checked against `vtr`). The claim `identity_proofing_level`
    never raises the level: only `vot` does."""
    if not isinstance(vot, str) or vot not in asked:
        return None
    head = vot.split(".", 1)[0]
    return Level(head) if head in Level.__members__ else None


def at_least(level: Level | str | None, needed: Level) -> bool:
    return level is not None and _RANK[Level(level)] >= _RANK[needed]


def higher(a: Level | str | None, b: Level | str | None) -> Level | None:
    known = [Level(x) for x in (a, b) if x]
    return max(known, key=_RANK.__getitem__) if known else None


def may(level: Level | str | None, purpose: Purpose) -> bool:
    """Whether a session proved to `level` may open what `purpose` covers (else: step up)."""
    return at_least(level, LEVEL_FOR[purpose])


class Refusal(StrEnum):
    """Every way a sign-in can be refused: a closed set, each with its own page."""

    STATE = "state"  # the callback's state is unknown or already used
    PROVIDER_ERROR = "provider_error"  # NHS login answered with an error other than access_denied
    ACCESS_DENIED = "access_denied"  # the person did not finish, or could not prove the level asked
    TOKEN = "token"  # noqa: S105 - a refusal reason, not a secret; the code was refused (used already, expired) or the token could not be read
    NONCE = "nonce"  # the ID token was not made for this sign-in
    EXPIRED = "expired"  # the ID token is out of date
    LEVEL = "level"  # the vot proves less than, or other than, what was asked
    NOT_REGISTERED = "not_registered"  # the NHS number is not registered at a practice using Tandem
    SEVERAL_PRACTICES = "several_practices"  # registered at more than one, and the claim does not choose
    LEFT_PRACTICE = "left_practice"  # the person's link ended since they signed in
    NO_GRANT = "no_grant"  # a carer with no access in force to anyone's Tandem
    INVITATION = "invitation"  # a carer's invitation is unknown, used, expired, or not theirs


# The session's own record of the person (ADR 16, section 5): primary keys and the level, no names.
SESSION_KEY = "tandem_person"
SESSION_FIELDS = ("account", "generation", "level", "link", "grant", "since", "seen")  # link or grant


class Expiry(StrEnum):
    IDLE = "idle"
    MAX = "max"


def expired(*, since: float, seen: float, now: float, idle_minutes: int, max_hours: int) -> Expiry | None:
    """NHS login's session management: 30 minutes without a request, 12 hours from signing in."""
    if now - since > max_hours * 3600:
        return Expiry.MAX
    if now - seen > idle_minutes * 60:
        return Expiry.IDLE
    return None


# --- Carers and representatives (ADR 16, section 4) -----------------------------------------------

class Scope(StrEnum):
    """What a grant lets a carer do; the names are ProxyGrant's boolean fields."""

    VIEW_PLAN = "view_plan"
    VIEW_RESULTS = "view_results"
    ANSWER_CHECKINS = "answer_checkins"
    BOOK = "book"


SCOPE_LABELS: dict[Scope, str] = {
    Scope.VIEW_PLAN: "See the care and support plan, goals and who to contact",
    Scope.VIEW_RESULTS: "See test results",
    Scope.ANSWER_CHECKINS: "Answer check-ins, add home readings and say what to talk about at reviews",
    Scope.BOOK: "See and book appointments",
}

# Which scope a carer needs for each purpose. Every purpose a person's page can ask for is here.
SCOPE_FOR: dict[Purpose, Scope | None] = {
    Purpose.PLAN: Scope.VIEW_PLAN,
    Purpose.RESULTS: Scope.VIEW_RESULTS,
    Purpose.RECORD: Scope.VIEW_RESULTS,
    Purpose.CHECKINS: Scope.ANSWER_CHECKINS,
    Purpose.READINGS: Scope.ANSWER_CHECKINS,
    Purpose.AGENDA: Scope.ANSWER_CHECKINS,
    Purpose.APPOINTMENTS: Scope.BOOK,
    Purpose.CARERS: None,  # only the person themselves decides who helps them
    Purpose.CARER: None,
}


def scopes_of(grant) -> frozenset[Scope]:
    return frozenset(s for s in Scope if getattr(grant, s.value, False))


def allows(grant, purpose: Purpose) -> bool:
    """Whether the session may open `purpose`'s pages: the person always (at the right level, `may`);
    a carer only within the grant's scopes, and never the pages about who can help."""
    if grant is None:
        return True
    needed = SCOPE_FOR.get(purpose)
    return needed is not None and needed in scopes_of(grant)


class GrantState(StrEnum):
    INVITED = "invited"  # not accepted yet
    ACTIVE = "active"
    NOT_STARTED = "not_started"
    ENDED = "ended"  # its end date passed
    REVOKED = "revoked"


def grant_state(*, accepted: bool, revoked: bool, ended: bool, starts_on, ends_on, today) -> GrantState:
    """A grant's state on `today`: revoking and the end date take effect at once (the carer's next
    request), whether or not the daily task has marked it ended yet."""
    if revoked:
        return GrantState.REVOKED
    if ended or today > ends_on:
        return GrantState.ENDED
    if not accepted:
        return GrantState.INVITED
    if today < starts_on:
        return GrantState.NOT_STARTED
    return GrantState.ACTIVE


def state_of(grant, today) -> GrantState:
    """`grant_state` of a ProxyGrant (or anything with its fields) on `today`."""
    return grant_state(accepted=grant.accepted_at is not None, revoked=grant.revoked_at is not None,
                       ended=grant.ended_at is not None, starts_on=grant.starts_on, ends_on=grant.ends_on,
                       today=today)


def in_force(grant, today) -> bool:
    return state_of(grant, today) is GrantState.ACTIVE


# DAPB3051 7.3: tell the person and the carer before access ends; 4.1.2: access not used for a long
# time ends.
WARN_DAYS_BEFORE_END = 14
UNUSED_YEARS = 5
MAX_GRANT_YEARS = 5  # an end date further away than this is refused: access is time-bound
INVITATION_DAYS = 14
INVITATION_TRIES = 5

# The parts of the written plan (careplans.rules.wording.Written's fields) staff can hide from carers.
PLAN_PARTS: dict[str, str] = {
    "what_matters": "What matters to them",
    "about": "About them",
    "needs": "What they need",
    "goals": "Goals",
    "targets": "Targets",
    "medicines": "Medicines",
    "information": "Information",
    "self_management": "Looking after themselves",
    "services": "Services and support",
    "team": "Who is helping",
    "levels": "Warning signs",
    "rescue": "Rescue medicines",
    "follow_ups": "Follow-ups",
    "checkins": "Check-ins",
}


# What a carer did (ProxyActivity.what, written by the person's pages through actions.proxy_did), in
# words after the carer's name: "Sarah Brooke answered a check-in".
ACTIVITY: dict[str, str] = {
    "checkin.answered": "answered a check-in",
    "home_reading.added": "added a home reading",
    "agenda.saved": "said what to talk about at the review",
    "appointment.booked": "booked an appointment",
    "appointment.moved": "changed an appointment",
    "appointment.cancelled": "cancelled an appointment",
}


def activity_words(what: str) -> str:
    return ACTIVITY.get(what, "did something in Tandem")

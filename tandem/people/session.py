"""Who the person on this browser is: `request.person`, from the session (ADR 16, section 5).

People never become `request.user`. The session holds `rules.SESSION_KEY`: the account's and link's
primary keys, the account's session generation, the level proved, and when the session started and
was last used (wall clock, as `tandem.core.idle`). On every request the link is checked again in one
query (still open, the account not closed or signed out everywhere, the patient still registered), and
the session ends after TANDEM_PERSON_IDLE_MINUTES without a request or TANDEM_PERSON_MAX_HOURS from
signing in (NHS login's session management: 30 minutes and 12 hours).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from tandem.core import clock
from tandem.core.models import Practice
from tandem.patients.models import Patient, RegistrationStatus

from . import actions
from .models import PersonAccount, PersonLink, ProxyGrant
from .oidc import wall_time
from .rules import SESSION_KEY, Level, expired, in_force

logger = logging.getLogger(__name__)

GRANULARITY = 60  # seconds: how stale `seen` may be before the session is written again
EXPIRED_KEY = "tandem_person_expired"  # why the last person session ended (idle, max), for the page


@dataclass(frozen=True)
class Person:
    """Who this session is for, as pages use it: the person themselves (`link_id`, `grant` None), or a
    carer acting for the person of `grant` (a ProxyGrant in force; `link_id` None). A carer with access
    to more than one person who has not chosen yet has `patient`, `practice` and `grant` None."""

    account_id: int
    link_id: int | None
    patient: Patient | None
    practice: Practice | None
    level: Level
    grant: ProxyGrant | None = None

    @property
    def is_carer(self) -> bool:
        return self.link_id is None

    @property
    def choosing(self) -> bool:
        return self.patient is None


def begin(request, *, account_id: int, generation: int, level: Level, link_id: int | None = None,
          grant_id: int | None = None) -> None:
    """At the callback: a new session key, and the person (`link_id`) or the carer (`grant_id`, None
    while they choose whose Tandem) in it."""
    request.session.cycle_key()
    now = int(wall_time())
    request.session[SESSION_KEY] = {"account": account_id, "generation": generation, "level": level.value,
                                    "link": link_id, "grant": grant_id, "since": now, "seen": now}
    request.session.pop(EXPIRED_KEY, None)


def act_for(request, *, grant_id: int) -> None:
    """A carer chose whose Tandem to use (a grant already checked as theirs and in force)."""
    data = request.session[SESSION_KEY]
    data["grant"] = grant_id
    request.session[SESSION_KEY] = data


def end(request) -> None:
    """Signing out this browser: the session goes, and with it anything else it held."""
    request.session.flush()


def _current(request) -> Person | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    now = int(wall_time())
    try:
        why = expired(since=data["since"], seen=data["seen"], now=now,
                      idle_minutes=settings.TANDEM_PERSON_IDLE_MINUTES, max_hours=settings.TANDEM_PERSON_MAX_HOURS)
        link_id, account_id, generation, level = (data.get("link"), data["account"], data["generation"],
                                                  Level(data["level"]))
    except (KeyError, TypeError, ValueError):
        why = "damaged"
    if why:
        request.session.pop(SESSION_KEY, None)
        request.session[EXPIRED_KEY] = str(why)
        logger.info("people: session ended (%s)", why)
        return None
    if link_id is None:
        return _carer(request, data, account_id=account_id, generation=generation, level=level, now=now)
    link = (PersonLink.objects.select_related("patient", "practice", "account")
            .filter(pk=link_id, account_id=account_id, ended_at__isnull=True, account__closed_at__isnull=True,
                    account__session_generation=generation).first())
    if link is None:
        request.session.pop(SESSION_KEY, None)
        return None
    if link.patient.registration_status != RegistrationStatus.REGISTERED:
        actions.end_link(link=link, reason=PersonLink.EndReason.LEFT_PRACTICE)
        request.session.pop(SESSION_KEY, None)
        return None
    _seen(request, data, now)
    return Person(account_id=account_id, link_id=link.pk, patient=link.patient, practice=link.practice, level=level)


def _seen(request, data: dict, now: int) -> None:
    if now - data["seen"] >= GRANULARITY:
        data["seen"] = now
        request.session[SESSION_KEY] = data


def _carer(request, data: dict, *, account_id: int, generation: int, level: Level, now: int) -> Person | None:
    """A carer's session: the account still current, and the grant they act under still in force today
    (revoking it, or its end date passing, ends their access at this request)."""
    accounts = PersonAccount.objects.filter(pk=account_id, closed_at__isnull=True, session_generation=generation)
    grant_id = data.get("grant")
    grant = None if grant_id is None else (
        ProxyGrant.objects.select_related("patient", "practice")
        .filter(pk=grant_id, proxy_account__in=accounts).first())  # one query: the account and the grant
    if grant is None and not accounts.exists():
        request.session.pop(SESSION_KEY, None)  # signed out everywhere, or the account closed
        return None
    if grant_id is None:  # choosing whose Tandem
        _seen(request, data, now)
        return Person(account_id=account_id, link_id=None, patient=None, practice=None, level=level)
    if grant is None or not in_force(grant, clock.today()) \
            or grant.patient.registration_status != RegistrationStatus.REGISTERED:
        request.session.pop(SESSION_KEY, None)
        request.session[EXPIRED_KEY] = "grant"
        logger.info("people: carer session ended (grant no longer in force)")
        return None
    _seen(request, data, now)
    if grant.last_used_on != clock.today():  # once a day: access not used for years ends (daily task)
        ProxyGrant.objects.filter(pk=grant.pk).update(last_used_on=clock.today())
    return Person(account_id=account_id, link_id=None, patient=grant.patient, practice=grant.practice, level=level,
                  grant=grant)


class PersonSessionMiddleware:
    """Place after IdleSessionMiddleware and before AccessMiddleware (which reads `request.person`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.person = _current(request)
        return self.get_response(request)

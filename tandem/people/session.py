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

from tandem.core.models import Practice
from tandem.patients.models import Patient, RegistrationStatus

from . import actions
from .models import PersonLink
from .oidc import wall_time
from .rules import SESSION_KEY, Level, expired

logger = logging.getLogger(__name__)

GRANULARITY = 60  # seconds: how stale `seen` may be before the session is written again
EXPIRED_KEY = "tandem_person_expired"  # why the last person session ended (idle, max), for the page


@dataclass(frozen=True)
class Person:
    """The signed-in person, as pages use them. `grant` is a carer's grant (none yet)."""

    account_id: int
    link_id: int
    patient: Patient
    practice: Practice
    level: Level
    grant: None = None


def begin(request, *, account_id: int, generation: int, link_id: int, level: Level) -> None:
    """At the callback: a new session key, and the person in it."""
    request.session.cycle_key()
    now = int(wall_time())
    request.session[SESSION_KEY] = {"account": account_id, "generation": generation, "level": level.value,
                                    "link": link_id, "since": now, "seen": now}
    request.session.pop(EXPIRED_KEY, None)


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
        link_id, account_id, generation, level = data["link"], data["account"], data["generation"], Level(data["level"])
    except (KeyError, TypeError, ValueError):
        why = "damaged"
    if why:
        request.session.pop(SESSION_KEY, None)
        request.session[EXPIRED_KEY] = str(why)
        logger.info("people: session ended (%s)", why)
        return None
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
    if now - data["seen"] >= GRANULARITY:
        data["seen"] = now
        request.session[SESSION_KEY] = data
    return Person(account_id=account_id, link_id=link.pk, patient=link.patient, practice=link.practice, level=level)


class PersonSessionMiddleware:
    """Place after IdleSessionMiddleware and before AccessMiddleware (which reads `request.person`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.person = _current(request)
        return self.get_response(request)

"""Sign-in lock-out, on django-axes: per account and per address, each with its own limit.

django-axes records every failed sign-in in the database (so every server process sees it) and, with
lock-out parameters ["username", "ip_address"], finds the failures of the account and those of the
address apart. It compares the larger with one limit; a practice's staff often share one address,
so here the address has a higher limit of its own (TANDEM_SIGN_IN_ADDRESS_FAILURES) and the account
the lower one (TANDEM_SIGN_IN_ACCOUNT_FAILURES). Both end TANDEM_LOCKOUT_MINUTES after the last failure.
While locked, even the right password is refused (and counts as one more failure).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def cool_off(request=None) -> dt.timedelta:
    return dt.timedelta(minutes=settings.TANDEM_LOCKOUT_MINUTES)


def client_ip(request) -> str | None:
    """The client's address: the connection's, or behind a proxy the header it sets
    (TANDEM_CLIENT_IP_HEADER; the last address in it is the one the proxy saw). None when there is
    none (a test's forced sign-in, a server on a unix socket without the header)."""
    header = settings.TANDEM_CLIENT_IP_HEADER
    candidates = [request.META.get(header, "").split(",")[-1].strip()] if header else []
    candidates.append(request.META.get("REMOTE_ADDR") or "")
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def rate_limit_ip(request) -> str:
    """client_ip for django-ratelimit, which needs an address: requests without one count together."""
    return client_ip(request) or "0.0.0.0"  # noqa: S104 - a counter's name, not an address to listen on


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a client in its log lines: a short digest, never a username or address."""
    digest = hashlib.sha256(f"{username}|{ip_address}".encode()).hexdigest()[:12]
    return f"client {digest}"


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.TANDEM_SIGN_IN_ADDRESS_FAILURES:
            # The address is locked: report at least the account limit, which is what axes compares.
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account

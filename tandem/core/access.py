"""Enforces who may open which page, in one place, before any view runs.

The rules are the table `tandem.core.rules.URL_ACCESS` (URL name -> what reading and changing it needs).
This middleware resolves the URL's name and checks the table: not signed in goes to the sign-in page,
signed in without a chosen practice goes to choosing one, a role without the capability gets the
"You cannot do this" page (403). A URL that has no entry in the table is refused for everyone and logged,
so a page nobody has decided about can never be opened (tests/core/test_access_matrix.py fails first).

What the table cannot say is decided by the view with the pure rules beside the table (for example
`rules.may_close_task`) and by the pages, which hide clinical detail from roles without VIEW_CLINICAL.
"""

from __future__ import annotations

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from . import rules

logger = logging.getLogger(__name__)


def rules_for(urlconf: str | None = None) -> dict[str, rules.Access]:
    """The table, plus the rules a test-only URLconf declares for its own extra URLs (`access_rules`).
    Tandem's own URLconf declares none: its rules are all in the table."""
    module = import_module(urlconf or settings.ROOT_URLCONF)
    extra = getattr(module, "access_rules", None)
    return {**rules.URL_ACCESS, **extra} if extra else rules.URL_ACCESS


def leads_a_group(user) -> bool:
    """Whether the user leads a primary care network or ICB now (read only for a group lead's pages)."""
    from .models import GroupLead

    return GroupLead.objects.filter(user=user, ended_on__isnull=True).exists()


def works_for_provider(user) -> bool:
    """Whether the user works for an organisation outside a practice now (read only for its pages)."""
    from .models import ProviderStaff

    return ProviderStaff.objects.filter(user=user, left_on__isnull=True, provider__active=True).exists()


class AccessMiddleware:
    """Place after CurrentPracticeMiddleware: it needs request.user, request.practice and request.roles
    (and request.person, from tandem.people.session, for a person's own pages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        access = rules_for(getattr(request, "urlconf", None)).get(name)
        if access is None:
            logger.error("access: URL %s has no rule in tandem.core.rules.URL_ACCESS; refused", name)
            raise PermissionDenied("This page has no access rule yet, so nobody can open it.")
        need = access.need(request.method)
        user = getattr(request, "user", None)
        decision = rules.decide(
            need, signed_in=bool(user is not None and user.is_authenticated),
            has_practice=getattr(request, "practice", None) is not None, roles=getattr(request, "roles", frozenset()),
            leads_a_group=lambda: leads_a_group(user), works_for_provider=lambda: works_for_provider(user),
            person=getattr(request, "person", None) is not None)
        if decision is rules.Decision.ALLOW:
            return None
        if decision is rules.Decision.SIGN_IN:
            return redirect_to_login(request.get_full_path())
        if decision is rules.Decision.PERSON_SIGN_IN:
            return redirect("people:sign_in")
        if decision is rules.Decision.CHOOSE_PRACTICE:
            return redirect("core:choose_practice")
        logger.info("access: refused %s %s to user %s (needs %s)", request.method, name, user.pk, need.value)
        raise PermissionDenied(f"Your role does not allow {need.value}.")

"""Sets request.practice: the practice the signed-in user is working in.

The choice lives in the session and is re-checked against the user's memberships
on every request, so removing a membership takes effect at once.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control

from .models import Practice

SESSION_KEY = "tandem_practice_id"


class CurrentPracticeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.practice = None
        request.roles = frozenset()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            practice_id = request.session.get(SESSION_KEY)
            memberships = list(user.memberships.select_related("practice"))
            chosen = [m for m in memberships if m.practice_id == practice_id]
            if not chosen and len(memberships) == 1:
                chosen = memberships
                request.session[SESSION_KEY] = memberships[0].practice_id
            if chosen:
                request.practice = chosen[0].practice
                request.roles = frozenset(m.role for m in chosen)
            request.memberships = memberships
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            # Pages for signed-in staff carry patient data: never store them in a browser or proxy cache.
            patch_cache_control(response, no_store=True, private=True)
        return response


def choose_practice(request, practice: Practice) -> None:
    request.session[SESSION_KEY] = practice.pk

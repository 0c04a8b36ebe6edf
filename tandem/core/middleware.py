"""Sets request.practice: the practice the signed-in user is working in.

The choice lives in the session and is re-checked against the user's memberships
on every request, so removing a membership takes effect at once.
"""

from __future__ import annotations

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
        return self.get_response(request)


def choose_practice(request, practice: Practice) -> None:
    request.session[SESSION_KEY] = practice.pk

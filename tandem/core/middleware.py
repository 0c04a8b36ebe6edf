"""Sets request.practice: the practice the signed-in user is working in.

The choice lives in the session and is re-checked against the user's memberships
on every request, so removing a membership takes effect at once. The user, their
memberships and those practices are read together, in one query (StaffBackend).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.utils.cache import patch_cache_control

from .models import Membership, Practice

SESSION_KEY = "tandem_practice_id"
_MEMBERSHIPS = "memberships"  # the User.memberships manager's prefetch cache


class StaffBackend(ModelBackend):
    """Django's ModelBackend (the same sign-in and permissions) whose get_user, run on every signed-in
    request, reads the user with their memberships and each membership's practice in one query
    rather than three. The memberships are kept on the user as if prefetched: `user.memberships.all()`
    gives them without another query. A user with no membership is read on its own, as before."""

    def get_user(self, user_id):
        rows = list(Membership.objects.select_related("user", "practice").filter(user_id=user_id))
        if not rows:
            user = super().get_user(user_id)
            if user is not None:
                _keep_memberships(user, [])
            return user
        user = rows[0].user
        for membership in rows:
            membership.user = user
        _keep_memberships(user, rows)
        return user if self.user_can_authenticate(user) else None


def _keep_memberships(user, rows: list[Membership]) -> None:
    queryset = Membership.objects.filter(user=user).select_related("practice")
    queryset._result_cache = rows
    queryset._prefetch_done = True
    user._prefetched_objects_cache = {**getattr(user, "_prefetched_objects_cache", {}), _MEMBERSHIPS: queryset}


def _memberships_of(user) -> list[Membership]:
    """The user's memberships with their practices: as StaffBackend read them, or read now."""
    if _MEMBERSHIPS in getattr(user, "_prefetched_objects_cache", {}):
        return list(user.memberships.all())
    return list(user.memberships.select_related("practice"))


class CurrentPracticeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.practice = None
        request.roles = frozenset()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            practice_id = request.session.get(SESSION_KEY)
            memberships = _memberships_of(user)
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

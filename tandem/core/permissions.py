"""View guards: signed in, working in a practice, with the capability the view needs.

The rule of record is the table tandem.core.rules.URL_ACCESS, enforced for every URL by
tandem.core.access.AccessMiddleware. This decorator repeats it beside the view (belt and braces, and so
the view says what it needs); tests/core/test_access_matrix.py fails if the two disagree.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .rules import Capability, can


def practice_required(capability: Capability | None = None):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.practice is None:
                return redirect("core:choose_practice")
            if capability is not None and not can(request.roles, capability):
                raise PermissionDenied(f"Your role does not allow {capability.value}.")
            return view(request, *args, **kwargs)

        wrapped.access_capability = capability
        return wrapped

    return decorator

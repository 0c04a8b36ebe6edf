"""Refusing the null character in what staff type or send, in one place for every form and address.

PostgreSQL cannot store the null character (U+0000) in text, and nobody types one: it arrives only
from a broken client or on purpose. A staff request whose query string or form fields hold one is
answered 400 with a page that says what was wrong, before its view runs, so nothing is saved and no
text field anywhere can fail on it (on SQLite, which would store it, the answer is the same). The
pages open to the public (a person's reply through their link) drop invisible characters from what
they keep instead (tandem.prepare.actions.agenda), so a person's reply is never lost for a character
they could not see. Uploaded files are not looked at: a file's bytes are the file's business.
"""

from __future__ import annotations

from django.shortcuts import render

from . import rules
from .access import rules_for

NULL = "\x00"


def _holds_null(query) -> bool:
    return any(NULL in key or any(NULL in value for value in values) for key, values in query.lists())


class RefuseNullCharactersMiddleware:
    """Place after AccessMiddleware (it reads the URL's access rule)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not (_holds_null(request.GET) or (request.method == "POST" and _holds_null(request.POST))):
            return None
        match = request.resolver_match
        access = rules_for(getattr(request, "urlconf", None)).get(match.view_name if match is not None else "")
        if access is not None and access.need(request.method) is rules.Open.PUBLIC:
            return None
        return render(request, "core/error.jinja", {
            "title": "There is a problem with what was sent",
            "paragraphs": ["It held a character that cannot be stored (a null character), so nothing was saved.",
                           "Go back, type what you meant again, and send it."],
        }, status=400)

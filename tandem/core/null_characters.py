"""Refusing the null character in what is typed or sent, in one place for every form and address.

PostgreSQL cannot store the null character (U+0000) in text, and nobody types one: it arrives only
from a broken client or on purpose. Every request whose query string or form fields hold one is
answered 400 with a page that says what was wrong, before any view runs, so nothing is saved and no
text field anywhere can fail on it (on SQLite, which would store it, the answer is the same).
Uploaded files are not looked at: a file's bytes are the file's business.
"""

from __future__ import annotations

from django.shortcuts import render

NULL = "\x00"


def _holds_null(query) -> bool:
    return any(NULL in key or any(NULL in value for value in values) for key, values in query.lists())


class RefuseNullCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_null(request.GET) or (request.method == "POST" and _holds_null(request.POST)):
            return render(request, "core/error.jinja", {
                "title": "There is a problem with what was sent",
                "paragraphs": ["It held a character that cannot be stored (a null character), so nothing was saved.",
                               "Go back, type what you meant again, and send it."],
            }, status=400)
        return self.get_response(request)

"""Return addresses that arrive in a request (`?back=`, `?next=`, a form's hidden `next`): only a path
on this site is ever followed or shown as a link, so a crafted link cannot send someone elsewhere.

Browsers read a backslash as a slash and drop tabs and line breaks inside an address, so
``/\\evil.example`` and ``/%5Cevil.example`` (decoded by Django before a view sees it) would both
leave the site; ``//evil.example`` is another site too, and ``javascript:`` is no page at all. What
is accepted is a path that starts with one ``/`` (a query string and a fragment are kept), has no
backslash, control character or whitespace, and that Django's own check agrees stays on this host
with no scheme. Anything else is refused: the caller uses its own default.
"""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

MAX_LENGTH = 2000  # longer than any address of ours


def safe_path(value: object, *, within: str = "/") -> str:
    """`value` when it is a path on this site (under `within`, e.g. "/recall/"), else ""."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return ""
    if not value.startswith("/") or value.startswith("//") or not value.startswith(within):
        return ""
    if any(ch == "\\" or ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set(), require_https=False):
        return ""
    return value


def back_from(request, name: str = "back", *, within: str = "/", default: str = "") -> str:
    """The return address in the request's query string or form (`name`), when safe; else `default`."""
    return safe_path(request.POST.get(name) if request.method == "POST" and name in request.POST
                     else request.GET.get(name), within=within) or default

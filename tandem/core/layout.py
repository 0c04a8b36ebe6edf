"""The parts of every page's layout that are the same for many requests, rendered once per process.

Every page carries the NHS.UK header (service name, account, navigation), the skip link and the
footer. Rendering them through the NHS.UK macros cost more than many pages' own content, yet the
header depends only on who is signed in, where, and which section is open, and the skip link and
footer on nothing at all. So each is rendered from its template the first time it is wanted and kept
in this process, keyed on the values it shows (a person's name, the practice's name, the section, what
the roles allow): an edit to a name is a new key, seen on the next request by every server process,
with nothing to invalidate. The only per-request part, the sign-out form's CSRF token, is put in
afterwards; the CSP nonce, messages and the page's own content are rendered per request as before.

`layout.jinja` reaches these through `page_layout`, put in every page's context by `context`.
"""

from __future__ import annotations

from functools import lru_cache

from django.template import engines
from markupsafe import Markup

from .rules import Capability, can

# Put in the sign-out form where the request's CSRF token goes. Markup a person typed is escaped, so
# "<" can come only from the template itself: the slot is found exactly once, where it was put.
CSRF_SLOT = "<csrf-token>"
HEADER_TEMPLATE = "layout_header.jinja"
FOOTER_TEMPLATE = "layout_footer.jinja"
SKIP_LINK_TEMPLATE = "layout_skip_link.jinja"


def _environment():
    return engines["jinja2"].env


def _cached(function):
    """`function` kept per process with lru_cache, except where templates are reloaded when edited (the
    dev profile, Django's DEBUG): there an edit to a layout template shows on the next page."""
    cached = lru_cache(maxsize=1024)(function)

    def call(*args, **kwargs):
        return function(*args, **kwargs) if _environment().auto_reload else cached(*args, **kwargs)

    call.cache_info = cached.cache_info
    call.cache_clear = cached.cache_clear
    return call


@_cached
def _header_parts(*, signed_in: bool, display_name: str, has_practice: bool, practice_name: str, section: str,
                  can_import: bool, can_manage: bool, several_practices: bool,
                  can_clinical: bool = False) -> tuple[str, ...]:
    html = _environment().get_template(HEADER_TEMPLATE).render(
        signed_in=signed_in, display_name=display_name, has_practice=has_practice, practice_name=practice_name,
        section=section, can_import=can_import, can_manage=can_manage, several_practices=several_practices,
        can_clinical=can_clinical, csrf_slot=CSRF_SLOT)
    parts = tuple(html.split(CSRF_SLOT))
    if len(parts) != (2 if signed_in else 1):
        raise ValueError(f"{HEADER_TEMPLATE} must put csrf_slot once in a signed-in header, never otherwise")
    return parts


@_cached
def _fixed(template: str) -> Markup:
    return Markup(_environment().get_template(template).render())  # noqa: S704 - a template's output


def header(request, *, section: str = "", csrf_token=None, plain: bool = False) -> Markup:
    """The page header for this request. `plain` (error pages): no account or navigation, which need
    the session and the database."""
    user = None if plain or request is None else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        (html,) = _header_parts(signed_in=False, display_name="", has_practice=False, practice_name="", section="",
                                can_import=False, can_manage=False, several_practices=False)
        return Markup(html)  # noqa: S704 - a template's output
    practice = getattr(request, "practice", None)
    roles = getattr(request, "roles", frozenset()) if practice is not None else frozenset()
    before, after = _header_parts(
        signed_in=True, display_name=str(user.display_name), has_practice=practice is not None,
        practice_name=practice.name if practice is not None else "",
        section=str(section or "") if practice is not None else "",
        can_import=can(roles, Capability.IMPORT_RECORDS), can_manage=can(roles, Capability.MANAGE_PRACTICE),
        several_practices=practice is not None and len(getattr(request, "memberships", ())) > 1,
        can_clinical=can(roles, Capability.VIEW_CLINICAL))
    # The token is letters and digits (django.middleware.csrf); asking for it sets the CSRF cookie, as before.
    return Markup(before + str(csrf_token) + after)  # noqa: S704 - cached template output and the CSRF token


class PageLayout:
    """The layout's cached parts for one request (the context variable `page_layout`)."""

    __slots__ = ("request",)

    def __init__(self, request):
        self.request = request

    def header(self, section="", csrf_token=None, plain=False) -> Markup:
        return header(self.request, section=section, csrf_token=csrf_token, plain=bool(plain))

    @staticmethod
    def skip_link() -> Markup:
        return _fixed(SKIP_LINK_TEMPLATE)

    @staticmethod
    def footer() -> Markup:
        return _fixed(FOOTER_TEMPLATE)


def context(request) -> dict:
    """Template context processor: `page_layout` for layout.jinja."""
    return {"page_layout": PageLayout(request)}

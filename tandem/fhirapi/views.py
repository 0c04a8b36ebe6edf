"""The API's views: read, search (GET, and POST _search with a form body), the CapabilityStatement,
the SMART configuration and the OpenAPI description. Answers are application/fhir+json; every
refusal is an OperationOutcome with its status (tandem.fhirapi.rules for what is refused and why).

Authentication is the bearer token only (tandem.fhirapi.auth); the staff session is never used, so
the views are exempt from CSRF (a cross-site form cannot carry a bearer token). Requests without a
good token count against their address (tandem.core.ratelimits); requests with one are not limited
here.
"""

from __future__ import annotations

import json
import logging
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited
from oauth2_provider.settings import oauth2_settings

from tandem.core import ratelimits

from . import capability, queries, rules, writes
from .auth import Caller, Unauthorised, authenticate

logger = logging.getLogger(__name__)
CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def _json(data: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status,
                            content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def outcome(status: int, code: str, message: str) -> HttpResponse:
    return _json({"resourceType": "OperationOutcome",
                  "issue": [{"severity": "error", "code": code, "diagnostics": message}]}, status)


def _unauthorised(error: Unauthorised) -> HttpResponse:
    response = outcome(401, "login", str(error))
    challenge = 'Bearer realm="tandem-fhir"'
    if error.error:
        challenge += f', error="{error.error}"'
    response["WWW-Authenticate"] = challenge
    return response


def _over_limit(request) -> bool:
    return is_ratelimited(request, group="fhirapi:address", key="ip",
                          rate=settings.TANDEM_PUBLIC_RATE_PER_ADDRESS, increment=True)


def api(view):
    """An API view: the Accept header, then the bearer token (a request without a good one is counted
    against its address), then the view with the caller."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not rules.accepts_fhir_json(request.META.get("HTTP_ACCEPT", "")[:1000]):
            return outcome(406, "not-supported", "this server answers application/fhir+json only")
        try:
            caller = authenticate(request)
        except Unauthorised as error:
            if _over_limit(request):
                return _too_many()
            return _unauthorised(error)
        return view(request, caller, *args, **kwargs)

    setattr(wrapped, ratelimits.LIMITED_MARK, True)  # limited as above, without a good token
    return wrapped


def open_json(view):
    """A description anyone may read (no token), limited per address like every public page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not rules.accepts_fhir_json(request.META.get("HTTP_ACCEPT", "")[:1000]):
            return outcome(406, "not-supported", "this server answers application/fhir+json only")
        if _over_limit(request):
            return _too_many()
        return view(request, *args, **kwargs)

    setattr(wrapped, ratelimits.LIMITED_MARK, True)
    return wrapped


def _too_many() -> HttpResponse:
    response = outcome(429, "throttled", "too many requests without a valid token: wait a minute")
    response["Retry-After"] = str(ratelimits.RETRY_AFTER_SECONDS)
    return response


def _base(request) -> str:
    return request.build_absolute_uri(reverse("fhirapi:metadata"))[: -len("/metadata")]


def endpoints(request) -> capability.Endpoints:
    return capability.Endpoints(base=_base(request), authorize=request.build_absolute_uri(reverse("fhirapi:authorize")),
                                token=request.build_absolute_uri(reverse("fhirapi:token")),
                                revoke=request.build_absolute_uri(reverse("fhirapi:revoke")),
                                issuer=oauth2_settings.oauth2_authorization_server_issuer(request))


def _type_or_404(type_name: str) -> HttpResponse | None:
    if type_name not in rules.TYPES:
        shown = type_name if type_name.isascii() and type_name.isalnum() and len(type_name) <= 40 else "that type"
        return outcome(404, "not-supported", f"this server does not serve {shown}; see /fhir/metadata")
    return None


def _forbidden(caller: Caller, type_name: str, interaction: str) -> HttpResponse | None:
    if not caller.grant.allows(type_name, interaction):
        return outcome(403, "forbidden", f"the token's scopes do not allow {interaction} of {type_name}")
    return None


def _with_etag(resource: dict, status: int = 200) -> HttpResponse:
    response = _json(resource, status)
    version = (resource.get("meta") or {}).get("versionId")
    if version:
        response["ETag"] = f'W/"{version}"'
    return response


@api
def read(request, caller: Caller, type_name: str, ident: str):
    if request.method == "PUT" and type_name in rules.WRITABLE:
        try:
            return _with_etag(writes.update_task(request, caller, ident))
        except writes.Refused as refused:
            return outcome(refused.status, refused.code, str(refused))
    if request.method not in ("GET", "HEAD"):
        return outcome(405, "not-supported", "this resource is read only here: GET it (a Task may be PUT)")
    refused = _type_or_404(type_name) or _forbidden(caller, type_name, "read")
    if refused is not None:
        return refused
    resource = queries.read(caller, type_name, ident)
    if resource is None:
        return outcome(404, "not-found", f"no {type_name} with that id")
    return _with_etag(resource)


@api
def search(request, caller: Caller, type_name: str):
    if request.method == "POST" and type_name in rules.WRITABLE:
        try:
            resource, ident = writes.create_task(request, caller)
        except writes.Refused as refused:
            return outcome(refused.status, refused.code, str(refused))
        response = _with_etag(resource, 201)
        response["Location"] = f"{_base(request)}/{type_name}/{ident}"
        return response
    if request.method not in ("GET", "HEAD"):
        return outcome(405, "not-supported", "use GET, or POST to _search (a Task may be POSTed)")
    return _search(request, caller, type_name, lambda: list(request.GET.lists()), request.META.get("QUERY_STRING", ""))


@api
def search_post(request, caller: Caller, type_name: str):
    if request.method != "POST":
        return outcome(405, "not-supported", "POST a form (application/x-www-form-urlencoded) to _search")
    kind = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", ""):
        return outcome(415, "not-supported", "_search takes a form body (application/x-www-form-urlencoded)")
    if len(request.body) > rules.MAX_QUERY:
        return outcome(400, "too-long", "the search is too long")
    return _search(request, caller, type_name, lambda: list(request.GET.lists()) + list(request.POST.lists()),
                   request.META.get("QUERY_STRING", ""))


def _search(request, caller: Caller, type_name: str, read_lists, query_string: str) -> HttpResponse:
    refused = _type_or_404(type_name) or _forbidden(caller, type_name, "search")
    if refused is not None:
        return refused
    if len(query_string) > rules.MAX_QUERY:
        return outcome(400, "too-long", "the search is too long")
    try:
        lists = read_lists()
    except SuspiciousOperation:  # more fields than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS)
        return outcome(400, "too-long", "the search has too many parameters")
    items = [(name, value) for name, values in lists for value in values]
    try:
        query = rules.parse_search(type_name, items, bound=caller.patient_id is not None)
        found = queries.search(caller, query)
    except rules.SearchError as error:
        return outcome(400, "invalid", str(error))
    base = _base(request)
    here = f"{base}/{type_name}"
    links = [{"relation": "self", "url": f"{here}?{urlencode(query.page(query.offset))}"}]
    if query.count and query.offset + query.count < min(found.total, rules.MAX_OFFSET + query.count):
        following = query.offset + query.count
        if following <= rules.MAX_OFFSET:
            links.append({"relation": "next", "url": f"{here}?{urlencode(query.page(following))}"})
    if query.count and query.offset > 0:
        links.append({"relation": "previous",
                      "url": f"{here}?{urlencode(query.page(max(0, query.offset - query.count)))}"})
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": found.total, "link": links,
              "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                         "search": {"mode": "match"}} for r in found.resources]}
    return _json(bundle)


@open_json
def metadata(request):
    return _json(capability.capability_statement(endpoints(request)))


@open_json
def smart_configuration(request):
    response = _json(capability.smart_configuration(endpoints(request)))
    response["Content-Type"] = "application/json"
    return response


@open_json
def openapi(request):
    response = _json(capability.openapi(endpoints(request)))
    response["Content-Type"] = "application/json"
    return response


@open_json
def unknown(request):
    """Any other address under /fhir/: FHIR's answer, not the staff site's page."""
    return outcome(404, "not-found", "no such address in this FHIR API; see /fhir/metadata")

"""Who is asking: the bearer token on an API request, checked on every request.

Only `Authorization: Bearer <token>` is accepted. The staff session cookie is never read by the API
(a page on another site could otherwise make a signed-in browser ask for records), and a query-string
token is refused. A token is good when django-oauth-toolkit issued it, it has not expired or been
revoked, and its user still holds a clinical role somewhere (tandem.fhirapi.scope, re-read with the
request itself).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from oauth2_provider.models import get_access_token_model

from . import rules
from .ids import IdCodec

MAX_TOKEN = 512


@cache
def _codec(secret: str) -> IdCodec:
    return IdCodec(secret.encode())


def id_codec() -> IdCodec:
    """The codec of API ids (tandem.fhirapi.ids), keyed by TANDEM_FHIR_ID_KEY, else by SECRET_KEY."""
    return _codec(getattr(settings, "TANDEM_FHIR_ID_KEY", "") or settings.SECRET_KEY)


@dataclass(frozen=True)
class Caller:
    token_id: int
    user: object  # tandem.core.models.User
    application_id: int
    grant: rules.Grant
    patient_id: int | None  # the one person a patient-bound token is for


class Unauthorised(Exception):
    """401: no token, or a token that is not (or no longer) good. `error` as RFC 6750 names it."""

    def __init__(self, message: str, error: str = "invalid_token"):
        super().__init__(message)
        self.error = error


def bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorised("the Authorization header must be 'Bearer <token>'", error="invalid_request")
    value = value.strip()
    if len(value) > MAX_TOKEN or not value.isascii() or not value.isprintable():
        raise Unauthorised("the token is not one this server issued")
    return value


def authenticate(request) -> Caller:
    """The caller of an API request, or Unauthorised. One read: the token with its user and the
    person it is bound to."""
    token = bearer(request)
    if token is None:
        raise Unauthorised("this API needs an access token: Authorization: Bearer <token>", error="")
    checksum = hashlib.sha256(token.encode()).hexdigest()
    found = (get_access_token_model().objects.select_related("user", "fhir_patient")
             .filter(token_checksum=checksum).first())
    if found is None or found.is_expired() or found.user is None or not found.user.is_active:
        raise Unauthorised("the token is not valid: it has expired, been revoked, or was never issued")
    binding = getattr(found, "fhir_patient", None)
    grant = rules.grant_of(found.scope)
    if grant.patient_bound and binding is None:
        raise Unauthorised("the token's patient is no longer available")
    return Caller(token_id=found.pk, user=found.user, application_id=found.application_id, grant=grant,
                  patient_id=binding.patient_id if binding is not None else None)

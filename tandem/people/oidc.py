"""The relying party for NHS login (or any OpenID provider shaped like it): Authlib's Django client.

ADR 16, sections 1 and 2. The authorization code flow with `state`, `nonce` and PKCE (S256), client
authentication by `private_key_jwt` signed RS512, `vtr` per purpose; at the callback, the code is
exchanged once, the ID token is checked (signature from the provider's keys, `iss`, `aud`, `exp`/`iat`
with leeway, `nonce`, and `vot` against the `vtr` asked), userinfo is read once and its `sub` compared
(OIDC Core 5.3.2), and the verified NHS number is matched to a registered patient. No refresh token is
asked for or kept. Every way it can fail is a `SignInRefused(reason)` from `rules.Refusal`; no
provider text, `sub` or NHS number reaches a log or a page.

Authlib keeps `state`, `nonce` and the PKCE verifier in the session under the state's key and removes
them when the callback arrives, so a callback whose state is unknown or already used is refused
before any token request.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import RSAKey
from requests import RequestException

from tandem.patients.models import Patient

from . import matching
from .rules import Level, Purpose, Refusal, level_of, vtr_for, vtr_param

logger = logging.getLogger(__name__)

LEEWAY = 120  # seconds either side for exp and iat (NHS login's clocks and ours)
PENDING_KEY = "tandem_person_pending"  # state -> what this sign-in was for (purpose and vtr asked)
PENDING_MAX = 5  # sign-ins started in one browser and not yet finished, kept at most
_NAME = "nhs_login"


class SignInRefused(Exception):
    def __init__(self, reason: Refusal, *, purpose: Purpose | None = None):
        super().__init__(reason.value)
        self.reason = reason
        self.purpose = purpose


@dataclass(frozen=True)
class SignedIn:
    issuer: str
    sub: str
    level: Level
    patient: Patient | None  # None for a carer: they are matched to a grant, not to a patient
    purpose: Purpose
    family_name: str = ""  # a carer's verified family name and date of birth, to match their invitation
    birthdate: str = ""


def wall_time() -> float:
    """Token lifetimes are checked on the wall clock, as `tandem.core.idle` checks sessions: the
    clinical clock (tandem.core.clock) may be pinned to a day for demos and tests."""
    return time.time()


def enabled() -> bool:
    return bool(settings.TANDEM_NHS_LOGIN_ISSUER)


class PersonIdToken(CodeIDToken):
    """The OIDC checks at the wall clock, plus what NHS login adds: `vot` and `vtm` present, `sub`
    at most 255 ASCII characters (it is the account's key)."""

    def validate(self, now=None, leeway=0):
        super().validate(now=int(wall_time()) if now is None else now, leeway=leeway)
        for claim in ("vot", "vtm"):
            if not self.get(claim):
                raise MissingClaimError(claim)
        sub = self.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 255 or not sub.isascii():
            raise InvalidClaimError("sub")


def _private_key(path: str) -> str:
    """The client's private key as PEM, from a PEM file or a private JWK (JSON)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(f"TANDEM_NHS_LOGIN_KEY: cannot read {path} ({exc.strerror}).") from exc
    if text.lstrip().startswith("{"):
        return RSAKey.import_key(json.loads(text)).as_pem(private=True).decode("ascii")
    return text


_apps: dict[tuple, object] = {}


def _app():
    """The Authlib client for the current settings (kept per configuration, so the provider's
    discovery document and keys are fetched once)."""
    config = (settings.TANDEM_NHS_LOGIN_ISSUER.rstrip("/"), settings.TANDEM_NHS_LOGIN_CLIENT_ID,
              settings.TANDEM_NHS_LOGIN_KEY, settings.TANDEM_NHS_LOGIN_PKCE, settings.TANDEM_NHS_LOGIN_SCOPES)
    app = _apps.get(config)
    if app is None:
        issuer, client_id, key_path, pkce, scopes = config
        if not client_id or not key_path:
            raise ImproperlyConfigured(
                "Person sign-in needs TANDEM_NHS_LOGIN_CLIENT_ID and TANDEM_NHS_LOGIN_KEY (the path to the "
                "private key whose public half is registered with NHS login) as well as the issuer.")
        client_kwargs = {"scope": scopes, "token_endpoint_auth_method": "private_key_jwt", "default_timeout": 10}
        if pkce:
            client_kwargs["code_challenge_method"] = "S256"
        app = OAuth().register(
            _NAME, client_id=client_id, client_secret=_private_key(key_path),
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
            # aud is the token endpoint the assertion is sent to (NHS login EIS, private_key_jwt)
            client_auth_methods=[PrivateKeyJWT(alg="RS512")])
        _apps[config] = app
    return app


def start(request, purpose: Purpose, *, carer: bool = False):
    """The redirect to the provider asking for `purpose`'s level."""
    app = _app()
    vectors = vtr_for(purpose, carer=carer)
    redirect_uri = request.build_absolute_uri(reverse("people:callback"))
    try:  # the provider's discovery document, fetched once per configuration
        created = app.create_authorization_url(redirect_uri, vtr=vtr_param(vectors))
    except (RequestException, ValueError) as exc:
        logger.warning("people: provider discovery failed (%s)", type(exc).__name__)
        raise SignInRefused(Refusal.PROVIDER_ERROR, purpose=purpose) from exc
    app.save_authorize_data(request, redirect_uri=redirect_uri, **created)
    pending = dict(list(request.session.get(PENDING_KEY, {}).items())[-(PENDING_MAX - 1):])
    pending[created["state"]] = {"purpose": purpose.value, "vtr": list(vectors)}
    request.session[PENDING_KEY] = pending
    return created["url"]


def _pending(request) -> dict | None:
    state = request.GET.get("state", "")
    pending = request.session.get(PENDING_KEY, {})
    found = pending.pop(state, None) if isinstance(state, str) else None
    request.session[PENDING_KEY] = pending
    return found


def finish(request) -> SignedIn:
    """The callback: everything checked, or `SignInRefused`."""
    pending = _pending(request)
    purpose = Purpose(pending["purpose"]) if pending else None
    error = request.GET.get("error")
    if error:
        if pending is not None:
            # Authlib's own copy of the state's data is removed with it
            app = _app()
            app.framework.clear_state_data(request.session, request.GET.get("state"))
        reason = Refusal.ACCESS_DENIED if error == "access_denied" else Refusal.PROVIDER_ERROR
        raise SignInRefused(reason, purpose=purpose)
    if pending is None:
        raise SignInRefused(Refusal.STATE)
    app = _app()
    try:
        token = app.authorize_access_token(request, claims_cls=PersonIdToken, leeway=LEEWAY)
    except MismatchingStateError as exc:
        raise SignInRefused(Refusal.STATE, purpose=purpose) from exc
    except ExpiredTokenError as exc:
        raise SignInRefused(Refusal.EXPIRED, purpose=purpose) from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        reason = Refusal.NONCE if exc.claim == "nonce" else Refusal.TOKEN
        raise SignInRefused(reason, purpose=purpose) from exc
    except (OAuthError, JoseError, RequestException, ValueError, KeyError) as exc:
        logger.info("people: token refused (%s)", type(exc).__name__)
        raise SignInRefused(Refusal.TOKEN, purpose=purpose) from exc
    claims = token.get("userinfo")
    if not claims:  # no ID token came back
        raise SignInRefused(Refusal.TOKEN, purpose=purpose)
    level = level_of(claims.get("vot"), asked=pending["vtr"])
    if level is None:
        raise SignInRefused(Refusal.LEVEL, purpose=purpose)
    try:
        userinfo = app.userinfo(token=token)
    except (OAuthError, RequestException, ValueError) as exc:
        raise SignInRefused(Refusal.TOKEN, purpose=purpose) from exc
    if userinfo.get("sub") != claims["sub"]:
        raise SignInRefused(Refusal.TOKEN, purpose=purpose)
    if purpose is Purpose.CARER:
        family, born = (userinfo.get("family_name") or claims.get("family_name"),
                        userinfo.get("birthdate") or claims.get("birthdate"))
        return SignedIn(issuer=claims["iss"], sub=claims["sub"], level=level, patient=None, purpose=purpose,
                        family_name=family if isinstance(family, str) else "",
                        birthdate=born if isinstance(born, str) else "")
    nhs_number = userinfo.get("nhs_number") or claims.get("nhs_number")
    registration = userinfo.get("gp_registration_details") or claims.get("gp_registration_details") or {}
    ods = registration.get("gp_ods_code") if isinstance(registration, dict) else None
    found = matching.registered_patient(nhs_number, gp_ods_code=ods)
    if isinstance(found, Refusal):
        raise SignInRefused(found, purpose=purpose)
    return SignedIn(issuer=claims["iss"], sub=claims["sub"], level=level, patient=found, purpose=purpose)

"""django-oauth-toolkit, fitted to the API: the SMART scopes it knows (from tandem.fhirapi.rules), and
the token response's `patient` for tokens bound to one person.

The consent page (tandem.fhirapi.views.consent) passes the chosen person in the grant's `claims`
({"tandem_patient": pk}: OpenID Connect is off, so the column carries nothing else). When the code is
exchanged, the new token is bound to that person (tandem.fhirapi.models.TokenPatient) and the response
names them as SMART asks (`"patient": "<Patient id>"`). A refreshed token keeps its person.
"""

from __future__ import annotations

import hashlib

from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauthlib.oauth2.rfc6749 import errors

from . import actions, rules
from .auth import id_codec
from .models import TokenPatient


class SmartScopes(BaseScopes):
    """The scopes of tandem.fhirapi.rules.all_scopes; none is given unless asked for."""

    def get_all_scopes(self):
        return rules.all_scopes()

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return list(rules.all_scopes())

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return []


class Validator(OAuth2Validator):
    def save_bearer_token(self, token, request, *args, **kwargs):
        patient_id = None
        if request.grant_type == "authorization_code":
            claims = getattr(request, "claims", None) or {}
            patient_id = claims.get("tandem_patient") if isinstance(claims, dict) else None
        elif request.grant_type == "refresh_token":
            previous = getattr(request, "refresh_token_instance", None)
            if previous is not None and previous.access_token_id is not None:
                patient_id = (TokenPatient.objects.filter(access_token_id=previous.access_token_id)
                              .values_list("patient_id", flat=True).first())
        if patient_id is None and rules.grant_of(token.get("scope", "")).patient_bound:
            # patient/ scopes without a person chosen: refuse rather than issue a token for no one
            raise errors.InvalidGrantError(description="this grant names no patient", request=request)
        result = super().save_bearer_token(token, request, *args, **kwargs)
        if patient_id is not None:
            checksum = hashlib.sha256(token["access_token"].encode()).hexdigest()
            access = get_access_token_model().objects.get(token_checksum=checksum)
            actions.bind_patient(access_token=access, patient_id=int(patient_id), by=request.user)
            token["patient"] = id_codec().encode("Patient", int(patient_id))
        return result

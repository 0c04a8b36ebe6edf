"""Writes of the FHIR API: binding a token to the person chosen for it, and recording an authorisation.
Tokens themselves are written by django-oauth-toolkit (its views and tandem.fhirapi.oauth.Validator)."""

from __future__ import annotations

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User

from .models import TokenPatient


@transaction.atomic
def bind_patient(*, access_token, patient_id: int, by: User | None) -> TokenPatient:
    """The token is for this person only (patient/ scopes). Audited with the application, never a name."""
    practice = Practice.objects.filter(patients__pk=patient_id).first()
    row = TokenPatient.objects.create(access_token=access_token, patient_id=patient_id, created_at=clock.now())
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="fhirapi.token_patient",
                 patient_id=patient_id, object_id=access_token.pk,
                 detail={"application": access_token.application_id})
    return row


def record_authorisation(*, by: User, practice: Practice | None, application_id: int, scope: str,
                         patient_id: int | None) -> None:
    """A member of staff allowed an application access (the consent page)."""
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="fhirapi.authorisation",
                 patient_id=patient_id, object_id=application_id,
                 detail={"application": application_id, "scopes": sorted(set(scope.split()))[:40]})

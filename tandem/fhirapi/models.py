"""The one table the API adds: which person a patient-bound token is for.

Tokens, grants and applications are django-oauth-toolkit's own tables (oauth2_provider). A token with
`patient/...` scopes is bound to the one person the member of staff chose on the consent page; the
binding follows the token through refreshes (tandem.fhirapi.oauth.Validator) and goes with it when it
is revoked or expires and is cleared. Written only through tandem.fhirapi.actions.
"""

from __future__ import annotations

from django.db import models

from tandem.patients.models import Patient


class TokenPatient(models.Model):
    access_token = models.OneToOneField("oauth2_provider.AccessToken", on_delete=models.CASCADE,
                                        related_name="fhir_patient")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"TokenPatient {self.pk}"

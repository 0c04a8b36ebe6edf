"""Which registered patient a verified NHS number is (ADR 16, section 2).

This is the one read across practices in the people app: the identity match at sign-in, before any
practice is known. It returns a patient or a refusal, never a list.
"""

from __future__ import annotations

from tandem.patients.models import Patient, RegistrationStatus

from .rules import Refusal


def registered_patient(nhs_number: object, *, gp_ods_code: object = None) -> Patient | Refusal:
    """The patient registered now at a practice using Tandem with this NHS number. At more than one
    practice, the `gp_registration_details` claim's ODS code chooses; still ambiguous, refused."""
    if not isinstance(nhs_number, str) or len(nhs_number) != 10 or not nhs_number.isascii() \
            or not nhs_number.isdigit():
        return Refusal.NOT_REGISTERED
    found = list(Patient.objects.filter(nhs_number=nhs_number, registration_status=RegistrationStatus.REGISTERED)
                 .select_related("practice")[:5])
    if not found:
        return Refusal.NOT_REGISTERED
    if len(found) == 1:
        return found[0]
    chosen = [p for p in found if isinstance(gp_ods_code, str) and p.practice.ods_code == gp_ods_code]
    return chosen[0] if len(chosen) == 1 else Refusal.SEVERAL_PRACTICES

"""FHIR Encounter -> Tandem Encounter (a contact in general practice) or HospitalEvent. Pure.

Encounter.class (HL7 v3 ActCode, http://terminology.hl7.org/CodeSystem/v3-ActCode):
- AMB ambulatory -> face to face; VR virtual -> video, or telephone when its type says
  so; HH home health and FLD field -> home visit. Other classes are recorded as face
  to face, with a warning.
- EMER emergency -> an A&E attendance (HospitalEvent "ae").
- IMP inpatient, ACUTE, NONAC, SS short stay -> an admission (HospitalEvent), emergency
  or planned by the UK Core AdmissionMethod extension when it is there; otherwise by Encounter.priority (v3 ActPriority, or SNOMED CT priority qualifiers),
  then hospitalization.admitSource ("emd": from the emergency department -> emergency;
  "outp": from an outpatient clinic -> planned). With neither, the admission is
  recorded as an emergency and a warning says so: for finding people at risk, missing
  an emergency admission is the worse mistake.

Encounter.participant: the clinician the person saw (for continuity of care) is kept as their
reference, identifier or name in clinician_ref: see _clinician.

Encounter.status: finished, arrived, triaged, in-progress, onleave, unknown -> attended;
planned -> booked; cancelled -> cancelled; entered-in-error -> skipped. Hospital stays
that are planned or cancelled did not happen and are skipped.
"""

from __future__ import annotations

from typing import Any

from .common import (
    SNOMED,
    Context,
    Mapped,
    MappingError,
    Row,
    clip,
    code_of,
    coding_in,
    codings,
    is_sctid,
    period_end,
    period_start,
    subject_of,
    text_of,
)

GP_CLASSES = {"AMB": "face_to_face", "VR": "video", "HH": "home_visit", "FLD": "home_visit"}
ADMISSION_CLASSES = {"IMP", "ACUTE", "NONAC", "SS"}
AE_CLASSES = {"EMER"}

# HL7 v3 ActPriority (http://terminology.hl7.org/CodeSystem/v3-ActPriority) and SNOMED CT
# priority qualifiers: 25876001 Emergency, 394849002 High priority, 709122007 As soon as
# possible; 394848005 Normal priority, 373113001 Routine.
EMERGENCY_PRIORITIES = {"EM", "S", "UR", "A", "T", "25876001", "394849002", "709122007"}
ELECTIVE_PRIORITIES = {"EL", "R", "P", "PRN", "394848005", "373113001"}
# The UK Core AdmissionMethod extension (context Encounter.hospitalization), bound to the UK Core
# ValueSet UKCore-AdmissionMethod 2.1.0 (HL7 UK, 2022-01-07): CodeSystems UKCore-AdmissionMethodEngland
# and UKCore-AdmissionMethodWales 1.0.0, whose codes are the NHS Data Dictionary's "Admission Method
# Code (Hospital Provider Spell)". When present it decides the kind of admission, ahead of the priority
# and admit source below: 11-13 elective; 21-28 and 2A-2D emergency; 31-32 maternity and 81-83 other
# admissions (births, transfers), which are not emergencies; 98 not applicable, 99 not known.
ADMISSION_METHOD = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod"
ADMISSION_METHOD_SYSTEMS = ("https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland",
                            "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodWales")
ELECTIVE_METHODS = {"11", "12", "13"}
EMERGENCY_METHODS = {"21", "22", "23", "24", "25", "26", "27", "28", "2A", "2B", "2C", "2D"}
OTHER_METHODS = {"31": "maternity, admitted ante partum", "32": "maternity, admitted post partum",
                 "81": "transfer from another hospital, not in an emergency",
                 "82": "birth of a baby in this hospital", "83": "baby born outside the hospital"}
UNKNOWN_METHODS = {"98", "99"}
# SNOMED CT: 185317003 Telephone encounter, 386472008 Telephone consultation.
TELEPHONE_TYPES = {"185317003", "386472008"}

_STATUS = {
    "finished": "attended", "arrived": "attended", "triaged": "attended", "in-progress": "attended",
    "onleave": "attended", "unknown": "attended", "planned": "booked", "cancelled": "cancelled",
}


def _is_telephone(resource: Any) -> bool:
    for concept in [*(resource.type or []), resource.serviceType]:
        if concept is None:
            continue
        if any(c.code in TELEPHONE_TYPES for c in codings(concept)):
            return True
        words = " ".join([concept.text or "", *[c.display or "" for c in codings(concept)]]).lower()
        if "telephone" in words or "phone call" in words:
            return True
    return False


def _clinician(resource: Any) -> str:
    """Who the person saw, for continuity of care: the participant who is the primary performer
    (v3 ParticipationType PPRF), else the first with an individual. Their reference (a Practitioner
    or PractitionerRole), else their identifier as system|value, else their name; "" when none."""
    people = [p for p in resource.participant or [] if p.individual is not None]
    primary = [p for p in people if any(c.code == "PPRF" for t in p.type or [] for c in codings(t))]
    for participant in primary + people:
        who = participant.individual
        if who.reference:
            return clip(who.reference, 100)
        if who.identifier is not None and who.identifier.value:
            return clip(f"{who.identifier.system or ''}|{who.identifier.value}", 100)
        if who.display:
            return clip(who.display, 100)
    return ""


def _reason(resource: Any) -> tuple[str, str]:
    """(words, SNOMED CT code) for why the encounter happened."""
    for concept in resource.reasonCode or []:
        coding = coding_in(concept, [SNOMED])
        code = coding.code if coding is not None and is_sctid(coding.code) else ""
        words = (coding.display if coding is not None else "") or text_of(concept)
        if words or code:
            return words, code
    for concept in resource.type or []:
        if text_of(concept):
            return text_of(concept), ""
    return "", ""


def _admission_method(resource: Any) -> Any | None:
    """The coding of the UK Core AdmissionMethod extension (on Encounter.hospitalization, where UK Core
    puts it, or on the Encounter itself), or None."""
    holders = [resource.hospitalization, resource]
    for holder in holders:
        for extension in (getattr(holder, "extension", None) or []) if holder is not None else []:
            if extension.url == ADMISSION_METHOD and extension.valueCodeableConcept is not None:
                coding = coding_in(extension.valueCodeableConcept, ADMISSION_METHOD_SYSTEMS)
                if coding is not None:
                    return coding
    return None


def _admission_kind(resource: Any, mapped: Mapped) -> str:
    method = _admission_method(resource)
    if method is not None:
        code = method.code.strip().upper()
        if code in ELECTIVE_METHODS:
            return "elective"
        if code in EMERGENCY_METHODS:
            return "emergency"
        if code in OTHER_METHODS:
            mapped.warnings.append(f"admission method {code} ({OTHER_METHODS[code]}) recorded as a planned "
                                   "admission: it is not an emergency admission")
            return "elective"
        if code not in UNKNOWN_METHODS:
            mapped.warnings.append(f"admission method '{clip(code, 10)}' is not a code Tandem knows; "
                                   "the admission's priority and source were used instead")
    priority = {c.code for c in codings(resource.priority) if c.code}
    if priority & EMERGENCY_PRIORITIES:
        return "emergency"
    if priority & ELECTIVE_PRIORITIES:
        return "elective"
    source = code_of(resource.hospitalization.admitSource) if resource.hospitalization else ""
    if source == "emd":
        return "emergency"
    if source == "outp":
        return "elective"
    mapped.warnings.append("admission not marked emergency or planned; recorded as an emergency admission")
    return "emergency"


def map_encounter(resource: Any, ctx: Context) -> Mapped:
    mapped = Mapped(subject=subject_of(resource.subject))
    if resource.status == "entered-in-error":
        mapped.skipped = "Encounter (entered in error)"
        return mapped
    klass = (resource.class_fhir.code or "").upper() if resource.class_fhir is not None else ""
    start = period_start(resource.period)
    end = period_end(resource.period)
    words, reason_code = _reason(resource)

    if klass in AE_CLASSES or klass in ADMISSION_CLASSES:
        if resource.status in ("planned", "cancelled"):
            mapped.skipped = f"Encounter (hospital stay {resource.status})"
            return mapped
        if start is None:
            raise MappingError("has no start date (period.start).")
        if end is not None and end < start:
            raise MappingError(f"ends on {end:%d %B %Y}, before it started on {start:%d %B %Y}.")
        kind = "ae" if klass in AE_CLASSES else _admission_kind(resource, mapped)
        mapped.rows.append(Row("hospital_event", {
            "kind": kind, "start_date": start, "end_date": end, "reason": clip(words, 200),
            "reason_code": reason_code,
        }))
        return mapped

    if start is None:
        raise MappingError("has no date (period.start).")
    kind = GP_CLASSES.get(klass)
    if kind is None:
        kind = "face_to_face"
        mapped.warnings.append(f"contact type '{clip(klass, 20) or 'none'}' recorded as face to face")
    if kind == "video" and _is_telephone(resource):
        kind = "telephone"
    mapped.rows.append(Row("encounter", {
        "date": start, "kind": kind, "status": _STATUS.get(resource.status or "", "attended"),
        "reason": clip(words, 120), "clinician_role": "", "clinician_ref": _clinician(resource),
    }))
    return mapped

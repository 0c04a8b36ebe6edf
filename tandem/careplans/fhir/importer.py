"""Reading a care plan document back into a plan. Pure.

`plan_from_bundle(bundle)` takes a FHIR R4 document Bundle (a dict, or its JSON text) laid out as
tandem.careplans.fhir.bundle writes it, and returns (the Plan, the person's NHS number, problems).
Each problem names where it is (e.g. "CarePlan.activity[3]") and says what is wrong in words a person
can act on; when there are any, the plan must not be saved. Nothing here touches the database: the
caller (tandem.careplans.actions.fhir.import_plan) finds the person and saves the plan as a new
version through save_plan, which checks the plan's content as it does for a plan typed in.

The Bundle is checked against the fhir.resources R4B models first. Then, read from where the export
puts them (see the module docstrings of careplan.py, goal.py, condition.py, careteam.py and
activity.py): notes by their topic, needs from the Conditions the CarePlan addresses, goals and
targets from its goals, actions, medicines, warning signs, rescue medicines, the review and follow-ups
from its activities, support services and referrals from the ServiceRequests and Tasks its activities
point at, who took part from the CareTeam, and agreement from the Composition's personal attester.
Goals, targets and activities are read in reading.py.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

from tandem.core.parsing import JsonRefused, load_json
from tandem.fhir.validate import validate
from tandem.patients.rules import InvalidNHSNumber, normalise_nhs_number
from tandem.terminology import codelists

from ..rules.document import AboutMe, Need, Participant, Plan, Problem
from .careteam import TOOK_PART
from .common import (
    ACTIVITY_FOLLOW_UP,
    ACTIVITY_RESCUE,
    ACTIVITY_REVIEW,
    CS_AREA,
    CS_CARE_TEAM_ROLE,
    CS_REGISTER,
    EXT_AREA,
    EXT_NOTE_TOPIC,
    EXT_REGISTER,
    ID_NEED,
    NHS_NUMBER,
    NOTE_TOPICS,
    code_in,
    extension_value,
    extensions,
    identifier_value,
)
from .reading import Document, Reader, first_display, first_text, read_activities, read_goals


def _load(data: Any, problems: list[Problem]) -> dict | None:
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(Problem("file", "The file is not UTF-8 text, so it is not a FHIR JSON document."))
            return None
    if isinstance(data, str):
        try:
            data = load_json(data)
        except JsonRefused as exc:
            problems.append(Problem("file", f"The file is not a FHIR document: {exc}."))
            return None
        except json.JSONDecodeError as exc:
            problems.append(Problem("file", f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, "
                                            f"column {exc.colno})."))
            return None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        problems.append(Problem("file", "This is not a FHIR Bundle. A care plan is imported from the FHIR document "
                                        "Tandem exports (a Bundle of type document)."))
        return None
    if data.get("type") != "document":
        problems.append(Problem("Bundle.type", f"This Bundle is of type '{data.get('type')}'. A care plan is "
                                               "imported from a FHIR document (a Bundle of type document)."))
        return None
    _model, reason = validate(data)
    if reason:
        problems.append(Problem("Bundle", f"The document {reason}"))
        return None
    return data


def _nhs_number(reader: Reader, careplan: dict) -> str:
    subject = careplan.get("subject") or {}
    candidates = []
    if reader.patient is not None:
        candidates = [i.get("value") for i in reader.patient.get("identifier", []) if i.get("system") == NHS_NUMBER]
    elif (subject.get("identifier") or {}).get("system") == NHS_NUMBER:
        candidates = [subject["identifier"].get("value")]
    if not candidates:
        reader.problem("CarePlan.subject", f"The person has no NHS number. Tandem finds the person by NHS number: "
                                           f"the Patient needs an identifier with system {NHS_NUMBER}.")
        return ""
    try:
        numbers = {normalise_nhs_number(c) for c in candidates}
    except InvalidNHSNumber as exc:
        reader.problem("Patient.identifier", f"The person's NHS number is not valid: {exc}")
        return ""
    if len(numbers) > 1:
        reader.problem("Patient.identifier", "The Patient has two different NHS numbers; a person has one.")
        return ""
    return numbers.pop()


def _about_and_notes(reader: Reader, careplan: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, note in enumerate(careplan.get("note", [])):
        where = f"CarePlan.note[{i}]"
        topic = extension_value(note, EXT_NOTE_TOPIC, "Code")
        if topic not in NOTE_TOPICS:
            reader.problem(where, "This note has no topic Tandem knows (what matters, please do, information "
                                  "given...), so Tandem cannot tell which part of the plan it belongs to.")
            continue
        if NOTE_TOPICS[topic] in found:
            reader.problem(where, f"There are two notes with the topic '{topic}'; a plan has one.")
            continue
        found[NOTE_TOPICS[topic]] = note.get("text", "")
    return found


def _needs(reader: Reader, careplan: dict) -> tuple[Need, ...]:
    known = codelists.diagnosis_codelists()
    needs = []
    for i, reference in enumerate(careplan.get("addresses", [])):
        where = f"CarePlan.addresses[{i}]"
        resource = reader.doc.resolve(reference)
        if resource is None or resource.get("resourceType") != "Condition":
            reader.problem(where, "This reference does not lead to a Condition in the document.")
            continue
        need_id = identifier_value(resource, ID_NEED)
        if need_id is None and not extensions(resource, EXT_REGISTER) and (resource.get("code") or {}).get("coding"):
            continue  # one of the person's coded diagnoses: part of their record, not of the plan
        slugs = []
        for ext in extensions(resource, EXT_REGISTER):
            slug = (ext.get("valueCoding") or {}).get("code") if (ext.get("valueCoding") or {}).get(
                "system") == CS_REGISTER else None
            if slug not in known:
                reader.problem(where, f"This need is linked to a register Tandem does not know ({slug}).")
                continue
            slugs.append(slug)
        needs.append(Need(id=need_id or "", text=(resource.get("code") or {}).get("text", ""),
                          conditions=tuple(slugs)))
    return tuple(needs)


def _participants(reader: Reader, careplan: dict) -> tuple[Participant, ...]:
    teams = careplan.get("careTeam") or []
    team = reader.doc.resolve(teams[0]) if teams else None
    if team is None:
        return ()
    found = []
    for i, member in enumerate(team.get("participant", [])):
        if not any(code_in(role, CS_CARE_TEAM_ROLE) == TOOK_PART for role in member.get("role", [])):
            continue
        person = reader.doc.resolve(member.get("member"))
        if person is None or person.get("resourceType") != "RelatedPerson":
            reader.problem(f"CareTeam.participant[{i}]", "Someone who took part is not a RelatedPerson in the document.")
            continue
        name = (person.get("name") or [{}])[0]
        text = name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip()
        found.append(Participant(name=text, relationship=first_text(person.get("relationship"))))
    return tuple(found)


def _agreed(reader: Reader, composition: dict) -> bool:
    return any(a.get("mode") == "personal" and reader.doc.resolve(a.get("party")) is reader.patient
               and reader.patient is not None for a in composition.get("attester", []))


def _agreed_on(composition: dict) -> str:
    """The day the plan was agreed: an attester's time given as a date (a moment is when it was saved)."""
    for attester in composition.get("attester", []):
        when = attester.get("time")
        if isinstance(when, str) and len(when) == 10:
            try:
                return dt.date.fromisoformat(when).isoformat()
            except ValueError:
                continue
    return ""


def plan_from_bundle(bundle: Any) -> tuple[Plan, str, list[Problem]]:
    """(the plan, the person's NHS number, problems) from a care plan document (dict or JSON text)."""
    problems: list[Problem] = []
    data = _load(bundle, problems)
    if data is None:
        return Plan(), "", problems
    doc = Document(data.get("entry") or [])
    if not doc.resources or doc.resources[0].get("resourceType") != "Composition":
        first = doc.resources[0].get("resourceType") if doc.resources else "nothing"
        problems.append(Problem("Bundle.entry[0]", f"A FHIR document starts with its Composition; this one starts "
                                                   f"with {first}."))
        return Plan(), "", problems
    careplans = doc.of_type("CarePlan")
    if len(careplans) != 1:
        problems.append(Problem("Bundle", f"The document should hold one CarePlan; it holds {len(careplans)}."))
        return Plan(), "", problems
    careplan = careplans[0]
    patient = doc.resolve(careplan.get("subject"))
    if patient is not None and patient.get("resourceType") != "Patient":
        problems.append(Problem("CarePlan.subject", "The care plan's subject is not a Patient."))
        return Plan(), "", problems
    reader = Reader(doc, patient)
    nhs_number = _nhs_number(reader, careplan)
    notes = _about_and_notes(reader, careplan)
    areas = []
    for ext in extensions(careplan, EXT_AREA):
        value = ext.get("valueCoding") or {}
        if value.get("system") == CS_AREA and value.get("code"):
            areas.append(value["code"])
    needs = _needs(reader, careplan)
    goals, targets = read_goals(reader, careplan)
    found = read_activities(reader, careplan, [resource for resource, _goal in goals])
    goal_list = [replace(goal, actions=tuple(found.actions.get(n, []))) for n, (_r, goal) in enumerate(goals)]
    review = found.once.get(ACTIVITY_REVIEW) or {}
    plan = Plan(
        about=AboutMe(**{path[6:]: value for path, value in notes.items() if path.startswith("about.")}),
        needs=needs,
        goals=tuple(goal_list),
        targets=tuple(targets),
        medicines=tuple(found.medicines),
        information=notes.get("information", ""),
        self_management=notes.get("self_management", ""),
        services=tuple(found.services),
        warning_signs=tuple(found.signs),
        rescue=(found.once.get(ACTIVITY_RESCUE) or {}).get("description", ""),
        participants=_participants(reader, careplan),
        agreed_with_person=_agreed(reader, doc.resources[0]),
        agreed_on=_agreed_on(doc.resources[0]),
        review_date=((review.get("scheduledPeriod") or {}).get("start") or "")[:10],
        review_by=first_display(review.get("performer")),
        follow_ups=(found.once.get(ACTIVITY_FOLLOW_UP) or {}).get("description", ""),
        referrals=tuple(found.referrals),
        areas=tuple(areas),
    )
    return plan, nhs_number, reader.problems

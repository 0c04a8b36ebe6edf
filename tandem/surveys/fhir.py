"""The surveys as FHIR R4: each instrument file (tandem/surveys/instruments) as a Questionnaire, and each
answer as a QuestionnaireResponse. Pure: no Django.

linkIds are the instrument files' item ids ("b10", "p3", "gpps-plan"...). A staff NoMAD response carries
no subject, author or source: the answers are stored and exported without the person who gave them.
A person's survey answers name the person (subject) as any of their QuestionnaireResponses would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from tandem.careplans.fhir.common import BASE

from .instruments import Instrument, Item

PEOPLE_KEY = "after-care-planning"
PEOPLE_TITLE = "Your care and support planning: a short survey"
PEOPLE_PARTS = ("pacic", "gpps")


def url(key: str) -> str:
    return f"{BASE}/Questionnaire/{key}"


def _system(instrument: Instrument, item: Item) -> str:
    return f"{BASE}/CodeSystem/{instrument.key}-{item.answers.key}"


def _item(instrument: Instrument, item: Item, *, prefix: str) -> dict:
    out: dict = {"linkId": prefix + item.id, "text": item.worded(instrument.intervention), "required": False}
    if item.answers.kind == "scale_0_10":
        out["type"] = "integer"
        out["extension"] = [
            {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
            {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 10}]
        out["answerOption"] = [{"valueInteger": n} for n in range(11)]
    else:
        out["type"] = "choice"
        out["answerOption"] = [
            {"valueCoding": {"system": _system(instrument, item), "code": o.code,
                             "display": o.text.replace("[intervention]", instrument.intervention)}}
            for o in item.answers.options]
    if item.asked_if:
        on, _, wanted = item.asked_if.partition("=")
        parent = instrument.item(on)
        option = parent.answers.option(wanted) if parent else None
        out["enableWhen"] = [{"question": prefix + on, "operator": "=",
                              "answerCoding": {"system": _system(instrument, parent), "code": wanted,
                                               "display": option.text if option else wanted}}]
    return out


def _group(instrument: Instrument, *, prefix: str) -> dict:
    group: dict = {"linkId": instrument.key, "type": "group", "text": instrument.title,
                   "item": [_item(instrument, i, prefix=prefix) for i in instrument.items]}
    if instrument.stem:
        group["prefix"] = instrument.stem
    return group


def _meta(instrument: Instrument) -> str:
    return f"{instrument.citation} Version: {instrument.version}. Licence: {instrument.licence}."


def questionnaire(instrument: Instrument) -> dict:
    """One instrument as a Questionnaire (the staff NoMAD survey)."""
    return {"resourceType": "Questionnaire", "id": instrument.key, "url": url(instrument.key),
            "version": instrument.version, "name": instrument.key.upper(), "title": instrument.title,
            "status": "active", "subjectType": ["Practitioner"] if instrument.key == "nomad" else ["Patient"],
            "copyright": _meta(instrument), "item": [_item(instrument, i, prefix="") for i in instrument.items]}


def people_questionnaire(parts: tuple[Instrument, ...]) -> dict:
    """The short survey sent to people after their plan is agreed: one group per instrument; linkIds
    "pacic-p1".."pacic-p20", "gpps-conversation"..."""
    return {"resourceType": "Questionnaire", "id": PEOPLE_KEY, "url": url(PEOPLE_KEY),
            "version": " + ".join(p.version for p in parts), "name": "AfterCarePlanning", "title": PEOPLE_TITLE,
            "status": "active", "subjectType": ["Patient"],
            "copyright": " ".join(_meta(p) for p in parts),
            "item": [_group(p, prefix=f"{p.key}-") for p in parts]}


def _answer(instrument: Instrument, item: Item, code: str) -> dict:
    if item.answers.kind == "scale_0_10":
        return {"valueInteger": int(code)}
    option = item.answers.option(code)
    return {"valueCoding": {"system": _system(instrument, item), "code": code,
                            "display": option.text.replace("[intervention]", instrument.intervention)}}


def _answered(instrument: Instrument, answers: Mapping[str, str], *, prefix: str) -> list[dict]:
    return [{"linkId": prefix + i.id, "text": i.worded(instrument.intervention),
             "answer": [_answer(instrument, i, answers[i.id])]}
            for i in instrument.items if i.id in answers]


def staff_response(instrument: Instrument, answers: Mapping[str, str], *, key: str, round_number: int,
                   authored: dt.date) -> dict:
    """A staff member's NoMAD answers, with no one named: no subject, author or source; `authored` is
    the round's first day, not when they answered, so the time cannot tell who it was."""
    return {"resourceType": "QuestionnaireResponse", "id": f"nomad-{key}", "status": "completed",
            "questionnaire": f"{url(instrument.key)}|{instrument.version}", "authored": authored.isoformat(),
            "extension": [{"url": f"{BASE}/StructureDefinition/survey-round", "valueInteger": round_number}],
            "item": _answered(instrument, answers, prefix="")}


def people_response(parts: tuple[Instrument, ...], answers: Mapping[str, Mapping[str, str]], *, key: str,
                    patient_ref: str, authored: dt.datetime, source: Mapping) -> dict:
    """A person's answers (`answers` by instrument key), grouped as the Questionnaire is."""
    return {"resourceType": "QuestionnaireResponse", "id": f"{PEOPLE_KEY}-{key}", "status": "completed",
            "questionnaire": url(PEOPLE_KEY), "subject": {"reference": patient_ref},
            "authored": authored.isoformat(), "source": dict(source),
            "item": [{"linkId": p.key, "item": _answered(p, answers.get(p.key, {}), prefix=f"{p.key}-")}
                     for p in parts]}


def bundle(resources: list[dict], *, key: str, on: dt.datetime) -> dict:
    return {"resourceType": "Bundle", "id": key, "type": "collection", "timestamp": on.isoformat(),
            "entry": [{"fullUrl": f"urn:tandem:{r['resourceType']}:{r['id']}", "resource": r} for r in resources]}

"""A check-in's questions as a FHIR R4 Questionnaire, and the answers as a QuestionnaireResponse.
Pure: no Django. Goals are answered with the LOINC Goal Attainment Scaling answers (LL6900-6);
blood pressure and weight items carry the LOINC codes tandem.terminology.observations holds for them.
linkIds are stable: "goal-<goal id>", "confidence", "reading-<key>", "phq2-1", "phq2-2",
"not-coping", "talk-about"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from tandem.careplans.fhir.common import BASE, LOINC
from tandem.terminology import observations

from . import rules

PHQ2_SYSTEM = f"{BASE}/CodeSystem/phq2-answer"


def _codes(concept: str) -> list[dict]:
    if not concept:
        return []
    found = observations.BY_KEY.get(concept)
    return [{"system": LOINC, "code": code, "display": found.name} for code in found.loinc[:1]] if found else []


def questionnaire(questions: Mapping, *, key: str, practice_name: str, on: dt.date) -> dict:
    """The questions agreed in the plan (`questions`: goals, readings, mood), for one check-in."""
    items: list[dict] = []
    for goal in questions.get("goals", []):
        items.append({
            "linkId": f"goal-{goal['id']}", "type": "choice", "required": False,
            "text": f"How is this going? {goal['words']}",
            "answerOption": [{"valueCoding": {"system": LOINC, "code": lv.loinc, "display": lv.words}}
                             for lv in rules.GAS_LEVELS]})
    items.append({"linkId": "confidence", "type": "integer", "required": False,
                  "text": "How confident do you feel now about managing your health, from 0 (not at all) to 10 (very)?"})
    for agreed in questions.get("readings", []):
        reading = rules.READINGS[agreed["key"]]
        items.append({"linkId": f"reading-{reading.key}", "type": "string", "required": False,
                      "text": f"{reading.words} ({reading.unit})", "code": _codes(reading.concept)})
    if questions.get("mood"):
        items.append({"linkId": "phq2", "type": "group", "text": rules.PHQ2_STEM, "item": [
            {"linkId": link, "type": "choice", "text": text, "required": False,
             **({"code": [{"system": LOINC, "code": code}]} if code else {}),
             "answerOption": [{"valueCoding": {"system": PHQ2_SYSTEM, "code": str(score), "display": words}}
                              for score, words in rules.PHQ2_ANSWERS]}
            for link, text, code in rules.PHQ2_ITEMS]})
    items.append({"linkId": "not-coping", "type": "boolean", "required": False, "text": "I am not coping"})
    items.append({"linkId": "talk-about", "type": "text", "required": False, "maxLength": 2000,
                  "text": "Is there anything you want to talk about before your next review?"})
    return {"resourceType": "Questionnaire", "id": f"checkin-{key}", "status": "active",
            "url": f"{BASE}/Questionnaire/checkin-{key}", "title": "Check-in between visits",
            "publisher": practice_name, "date": on.isoformat(), "subjectType": ["Patient"], "item": items}


def response(questions: Mapping, answers: rules.Answers, *, key: str, patient_ref: str, authored: dt.datetime,
             source: Mapping) -> dict:
    """The answers as a QuestionnaireResponse (`source`: a reference to who answered)."""
    items: list[dict] = []
    for goal in questions.get("goals", []):
        level = answers.goal_levels.get(goal["id"])
        if level is not None:
            lv = rules.GAS_BY_VALUE[level]
            items.append({"linkId": f"goal-{goal['id']}", "answer": [
                {"valueCoding": {"system": LOINC, "code": lv.loinc, "display": lv.words}}]})
    if answers.confidence is not None:
        items.append({"linkId": "confidence", "answer": [{"valueInteger": answers.confidence}]})
    for key, value in answers.readings.items():
        items.append({"linkId": f"reading-{key}", "answer": [{"valueString": value.text()}]})
    if questions.get("mood") and any(x is not None for x in answers.phq2):
        sub = []
        for (link, _text, _code), score in zip(rules.PHQ2_ITEMS, answers.phq2, strict=True):
            if score is not None:
                words = dict(rules.PHQ2_ANSWERS)[score]
                sub.append({"linkId": link, "answer": [{"valueCoding": {"system": PHQ2_SYSTEM, "code": str(score),
                                                                         "display": words}}]})
        items.append({"linkId": "phq2", "item": sub})
    items.append({"linkId": "not-coping", "answer": [{"valueBoolean": answers.not_coping}]})
    if answers.talk_about:
        items.append({"linkId": "talk-about", "answer": [{"valueString": answers.talk_about}]})
    return {"resourceType": "QuestionnaireResponse", "id": f"checkin-{key}-response",
            "questionnaire": f"{BASE}/Questionnaire/checkin-{key}", "status": "completed",
            "subject": {"reference": patient_ref}, "authored": authored.isoformat(), "source": dict(source),
            "item": items}

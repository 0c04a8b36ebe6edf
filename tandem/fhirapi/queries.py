"""Reads of the FHIR API: one search or read, scoped, paged, mapped and audited.

Every read starts from tandem.fhirapi.scope.visible_patients(user) (and, for a patient-bound token,
its one person), as a subquery of the search itself. A search is three statements whatever the page
size: the count, the page (with what the mapper needs joined in), and one audit INSERT per practice
the page's people belong to (usually one). Rows are ordered by primary key and paged by offset,
bounded at tandem.fhirapi.rules.MAX_OFFSET.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from tandem.careplans.fhir.common import Clinician, Diagnosis, Organisation, Person, Source, instant
from tandem.careplans.models import PlanVersion
from tandem.careplans.rules.document import Plan
from tandem.checkins.models import Answer
from tandem.core import audit
from tandem.core.models import AuditEvent, Practice
from tandem.patients.models import Condition, Medication, Observation, Patient
from tandem.patients.rules import InvalidNHSNumber, normalise_nhs_number
from tandem.privacy.fhir import Medicine, Result
from tandem.terminology import observations

from . import mappers, rules, team_queries
from .auth import Caller, id_codec
from .ids import IdCodec
from .scope import visible, visible_patients


@dataclass(frozen=True)
class Found:
    total: int
    resources: list[dict]


NOTHING = Q(pk__in=[])


def _people(caller: Caller) -> QuerySet[Patient]:
    people = visible_patients(caller.user)
    if caller.patient_id is not None:
        people = people.filter(pk=caller.patient_id)
    return people


def _ids(codec: IdCodec, type_name: str, tokens: tuple[rules.Token, ...]) -> list[int]:
    keys = [codec.key(type_name, t.code or "") for t in tokens if t.system is None]
    return [k for k in keys if k is not None]


def _token_q(tokens: tuple[rules.Token, ...], match: Callable[[rules.Token], Q | None]) -> Q:
    q = NOTHING
    for token in tokens:
        found = match(token)
        if found is not None and not found.children:
            return Q()  # this alternative matches every row (Q() | anything is not "all" in Django)
        if found is not None:
            q |= found
    return q


def _date_q(field: str, ranges: tuple[rules.DateRange, ...]) -> Q:
    q = Q()
    for r in ranges:
        q &= {"eq": Q(**{f"{field}__gte": r.start, f"{field}__lt": r.end}),
              "lt": Q(**{f"{field}__lt": r.start}), "le": Q(**{f"{field}__lt": r.end}),
              "gt": Q(**{f"{field}__gte": r.end}), "ge": Q(**{f"{field}__gte": r.start})}[r.prefix]
    return q


def _fixed(code: str, system: str = "") -> Callable[[rules.Token], Q | None]:
    """A token that every row has (category problem-list-item, status final): all rows, or none."""
    def match(token: rules.Token) -> Q | None:
        if token.code not in (code, None) or (token.system is not None and token.system != system):
            return None
        return Q()
    return match


def _code(field: str, systems: dict[str, str | None], system_field: str | None = None):
    """A coded column: `systems` maps a FHIR system to the value of `system_field` (or None)."""
    def match(token: rules.Token) -> Q | None:
        if token.system == "":
            return None
        q = Q()
        if token.system is not None:
            if token.system not in systems:
                return None
            if system_field is not None:
                q &= Q(**{system_field: systems[token.system]})
        if token.code is not None:
            q &= Q(**{field: token.code})
        return q
    return match


# --- Each type: its rows, its parameters, its mapping ----------------------------------------------

def _patient_qs(caller: Caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    qs = _people(caller).select_related("practice")
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(pk__in=_ids(codec, "Patient", ors))
            elif name == "identifier":
                qs = qs.filter(_token_q(ors, _nhs_number))
            elif name == "gender":
                qs = qs.filter(_token_q(ors, lambda t: Q(sex=t.code) if t.code and t.system in (
                    None, rules.GENDER) else None))
    for name, ranges in search.dates.items():
        qs = qs.filter(_date_q({"birthdate": "date_of_birth", "_lastUpdated": "updated_at"}[name], ranges))
    return qs


def _nhs_number(token: rules.Token) -> Q | None:
    if token.system == "" or token.code is None:
        return None
    try:
        return Q(nhs_number=normalise_nhs_number(token.code))
    except InvalidNHSNumber:
        raise rules.SearchError("identifier: that is not an NHS number (10 digits with a valid check digit)") from None


def _person(p: Patient) -> Person:
    return Person(key=p.pk, nhs_number=p.nhs_number, given_name=p.given_name, family_name=p.family_name,
                  birth_date=p.date_of_birth, sex=p.sex)


def _organisation(practice: Practice) -> Organisation:
    return Organisation(ods_code=practice.ods_code, name=practice.name, phone=practice.phone)


def _map_patient(p: Patient, codec: IdCodec) -> dict:
    return mappers.patient(_person(p), _organisation(p.practice), pid=codec.encode("Patient", p.pk),
                           updated=p.updated_at)


def _with_patients(model_qs: QuerySet, caller: Caller, search: rules.Search, codec: IdCodec,
                   field: str = "patient_id") -> QuerySet:
    qs = model_qs.filter(visible(caller.user, patient=field, type_name=search.type))
    if caller.patient_id is not None:
        qs = qs.filter(**{field: caller.patient_id})
    for ors in search.patients:
        qs = qs.filter(**{f"{field}__in": [k for k in (codec.key("Patient", i) for i in ors) if k is not None]})
    return qs


def _condition_qs(caller: Caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    qs = _with_patients(Condition.objects.all(), caller, search, codec)
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(pk__in=_ids(codec, "Condition", ors))
            elif name == "code":
                qs = qs.filter(_token_q(ors, _code("code", {rules.SNOMED: None})))
            elif name == "clinical-status":
                qs = qs.filter(_token_q(ors, _clinical_status))
            elif name == "category":
                qs = qs.filter(_token_q(ors, _fixed("problem-list-item", rules.CONDITION_CATEGORY)))
    for name, ranges in search.dates.items():
        qs = qs.filter(_date_q("recorded_at" if name == "_lastUpdated" else "onset_date", ranges))
    return qs


def _clinical_status(token: rules.Token) -> Q | None:
    if token.system not in (None, rules.CONDITION_CLINICAL):
        return None
    return {"active": Q(resolved_date__isnull=True), "resolved": Q(resolved_date__isnull=False),
            None: Q()}.get(token.code)


def _recorded(resource: dict, row) -> dict:
    """The resource with when Tandem last wrote its row (meta.lastUpdated), beside what meta already says."""
    return {**resource, "meta": {**resource.get("meta", {}), "lastUpdated": instant(row.recorded_at)}}


def _map_condition(row: Condition, codec: IdCodec) -> dict:
    d = Diagnosis(key=row.pk, code=row.code, term=row.term, onset=row.onset_date, resolved=row.resolved_date)
    return _recorded(mappers.condition(d, rid=codec.encode("Condition", row.pk),
                                       pid=codec.encode("Patient", row.patient_id)), row)


_OBS_SYSTEMS = {rules.LOINC: "loinc", rules.SNOMED: "snomed"}


def _observation_qs(caller: Caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    qs = _with_patients(Observation.objects.all(), caller, search, codec)
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(pk__in=_ids(codec, "Observation", ors))
            elif name == "code":
                qs = qs.filter(_token_q(ors, _code("code", _OBS_SYSTEMS, "code_system")))
            elif name == "status":
                qs = qs.filter(_token_q(ors, _fixed("final")))
    for name, ranges in search.dates.items():
        qs = qs.filter(_date_q("recorded_at" if name == "_lastUpdated" else "effective_date", ranges))
    return qs


def _map_observation(row: Observation, codec: IdCodec) -> dict:
    found = observations.BY_KEY.get(row.concept)
    result = Result(key=row.pk, name=found.name if found else row.concept, system=row.code_system, code=row.code,
                    on=row.effective_date, value=row.value, unit=row.unit, value_code=row.value_code)
    return _recorded(mappers.observation(result, rid=codec.encode("Observation", row.pk),
                                         pid=codec.encode("Patient", row.patient_id)), row)


def _medication_qs(caller: Caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    qs = _with_patients(Medication.objects.all(), caller, search, codec)
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(pk__in=_ids(codec, "MedicationStatement", ors))
            elif name == "code":
                qs = qs.filter(_token_q(ors, _code("dmd_code", {rules.DMD: None})))
            elif name == "status":
                qs = qs.filter(_token_q(ors, lambda t: Q(status=t.code) if t.system is None and t.code in (
                    "active", "stopped") else None))
    for name, ranges in search.dates.items():
        qs = qs.filter(_date_q("recorded_at" if name == "_lastUpdated" else "start_date", ranges))
    return qs


def _map_medication(row: Medication, codec: IdCodec) -> dict:
    medicine = Medicine(key=row.pk, name=row.name, code=row.dmd_code, dose=row.dose, status=row.status,
                        start=row.start_date, end=row.end_date)
    return _recorded(mappers.medication_statement(medicine, rid=codec.encode("MedicationStatement", row.pk),
                                                  pid=codec.encode("Patient", row.patient_id)), row)


def _latest_versions(caller: Caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    qs = _with_patients(PlanVersion.objects.filter(version=F("plan__version")), caller, search, codec)
    return qs.select_related("patient", "patient__practice", "created_by").order_by("plan_id")


def _careplan_qs(caller: Caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    qs = _latest_versions(caller, search, codec)
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(plan_id__in=_ids(codec, "CarePlan", ors))
            elif name == "status":
                qs = qs.filter(_token_q(ors, _fixed("active")))
            elif name == "category":
                qs = qs.filter(_token_q(ors, _fixed("734163000", rules.SNOMED)))
    for ranges in search.dates.values():
        qs = qs.filter(_date_q("created_at", ranges))
    return qs


def _source(version: PlanVersion) -> Source:
    plan = Plan.from_dict(version.content)
    if plan.information_items:  # as the care plan export does: information given as one note
        plan = replace(plan, information="\n".join([*(i.text for i in plan.information_items),
                                                    plan.information]).strip())
    saver = version.created_by
    return Source(plan=plan, plan_key=version.plan_id, version=version.version, latest=True,
                  saved_at=timezone.localtime(version.created_at), person=_person(version.patient),
                  practice=_organisation(version.patient.practice),
                  saved_by=Clinician(key=saver.pk, name=saver.display_name) if saver else None)


def _map_careplan(version: PlanVersion, codec: IdCodec) -> dict:
    return mappers.careplan(_source(version), rid=codec.encode("CarePlan", version.plan_id),
                            pid=codec.encode("Patient", version.patient_id),
                            goal_id=lambda extra: codec.encode("Goal", version.plan_id, extra))


def _goals(version: PlanVersion, codec: IdCodec) -> list[tuple[int, dict]]:
    source = _source(version)
    return mappers.goals(version.plan_id, source.plan, pid=codec.encode("Patient", version.patient_id),
                         goal_id=lambda extra: codec.encode("Goal", version.plan_id, extra),
                         saved_at=source.saved_at)


def _answer_qs(caller: Caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    qs = _with_patients(Answer.objects.all(), caller, search, codec)
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(pk__in=_ids(codec, "QuestionnaireResponse", ors))
            elif name == "status":
                qs = qs.filter(_token_q(ors, _fixed("completed")))
    for ranges in search.dates.values():
        qs = qs.filter(_date_q("answered_at", ranges))
    return qs


def _map_answer(row: Answer, codec: IdCodec) -> dict:
    return mappers.questionnaire_response(row.response or {}, rid=codec.encode("QuestionnaireResponse", row.pk),
                                          pid=codec.encode("Patient", row.patient_id),
                                          answered_at=row.answered_at)


def _each(mapper: Callable) -> Callable:
    """A page mapper from a mapper of one row."""
    return lambda rows, codec: [mapper(row, codec) for row in rows]


# type -> (its rows for a search, a page of rows to their resources: a page mapper may read what the whole page
# needs at once, as Task's does for the additions to plans among its rows)
ROWS: dict[str, tuple[Callable, Callable]] = {
    "Patient": (_patient_qs, _each(_map_patient)),
    "Condition": (_condition_qs, _each(_map_condition)),
    "Observation": (_observation_qs, _each(_map_observation)),
    "MedicationStatement": (_medication_qs, _each(_map_medication)),
    "CarePlan": (_careplan_qs, _each(_map_careplan)),
    "QuestionnaireResponse": (_answer_qs, _each(_map_answer)),
    "CareTeam": (team_queries.careteam_qs, _each(team_queries.map_careteam)),
    "Task": (team_queries.task_qs, team_queries.map_tasks),
    "ServiceRequest": (team_queries.service_request_qs, _each(team_queries.map_service_request)),
}


# --- Searching and reading ------------------------------------------------------------------------

def _audit(caller: Caller, *, action: str, type_name: str, rows: list[tuple[int, int]], count: int) -> None:
    """One write for the request: a row per person on the page, per practice (no free text)."""
    detail = {"type": type_name, "count": count, "application": caller.application_id, "token": caller.token_id}
    if not rows:
        audit.record(by=caller.user, practice=None, action=action, what=f"fhirapi.{type_name}", detail=detail)
        return
    by_practice: dict[int, list[int]] = {}
    for practice_id, patient_id in rows:
        people = by_practice.setdefault(practice_id, [])
        if patient_id not in people:
            people.append(patient_id)
    for practice_id, people in by_practice.items():
        audit.record_many(by=caller.user, practice=Practice(pk=practice_id), action=action,
                          what=f"fhirapi.{type_name}", patient_ids=people, detail=detail)


def search(caller: Caller, query: rules.Search) -> Found:
    codec = id_codec()
    if query.type == "Goal":
        return _search_goals(caller, query, codec)
    build, map_page = ROWS[query.type]
    qs = build(caller, query, codec)
    total = qs.count()
    page = list(qs.order_by(*(qs.query.order_by or ("pk",)))[query.offset:query.offset + query.count]) \
        if total > query.offset and query.count else []
    resources = map_page(page, codec)
    _audit(caller, action=AuditEvent.Action.SEARCH, type_name=query.type,
           rows=[(_practice_of(row), _patient_of(row)) for row in page], count=len(page))
    return Found(total=total, resources=resources)


def _patient_of(row) -> int:
    return row.pk if isinstance(row, Patient) else row.patient_id


def _practice_of(row) -> int:
    return row.practice_id


def _search_goals(caller: Caller, query: rules.Search, codec: IdCodec) -> Found:
    """Goals are worked out from each person's current plan: a search names its people (patient or
    _id), so only their plans are read."""
    qs = _latest_versions(caller, query, codec)
    wanted: list[tuple[int, int]] = []
    for ors in query.tokens.get("_id", ()):
        decoded = [codec.decode("Goal", t.code or "") for t in ors if t.system is None]
        wanted = [d for d in decoded if d is not None]
        qs = qs.filter(plan_id__in=[plan for plan, _extra in wanted])
    found: list[tuple[PlanVersion, dict]] = []
    for version in qs[:MAX_GOAL_PLANS]:
        for extra, resource in _goals(version, codec):
            if wanted and (version.plan_id, extra) not in wanted:
                continue
            if not all(any(t.code in (None, resource.get("lifecycleStatus")) and t.system is None for t in ors)
                       for ors in query.tokens.get("lifecycle-status", ())):
                continue
            found.append((version, resource))
    page = found[query.offset:query.offset + query.count]
    _audit(caller, action=AuditEvent.Action.SEARCH, type_name="Goal",
           rows=[(v.practice_id, v.patient_id) for v, _r in page], count=len(page))
    return Found(total=len(found), resources=[r for _v, r in page])


MAX_GOAL_PLANS = 200  # a Goal search names its people; this bounds one that names many


def read(caller: Caller, type_name: str, ident: str) -> dict | None:
    """One resource by its API id, or None (not found, not visible, or not an id: all the same)."""
    codec = id_codec()
    query = rules.Search(type=type_name, tokens={"_id": ((rules.Token(None, ident),),)}, count=1)
    if type_name == "Goal":
        found = _search_goals(caller, query, codec)
        return found.resources[0] if found.resources else None
    if codec.key(type_name, ident) is None:
        return None
    build, map_page = ROWS[type_name]
    row = build(caller, query, codec).first()
    if row is None:
        return None
    _audit(caller, action=AuditEvent.Action.VIEW, type_name=type_name,
           rows=[(_practice_of(row), _patient_of(row))], count=1)
    return map_page([row], codec)[0]


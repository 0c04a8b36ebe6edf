"""The care plan as a FHIR R4 document: a Bundle of type document whose first entry is a Composition.
Pure.

FHIR R4 documents (https://hl7.org/fhir/R4/documents.html): Bundle.type document, an identifier and a
timestamp (bdl-9, bdl-10), the Composition first (bdl-11), every entry with a fullUrl; references
inside the document are to fullUrls (`urn:uuid:`). Resource ids are stable UUIDs made from Tandem's own
keys (common.stable_id), so the same plan version always gives the same document, and the CarePlan,
its Goals, Tasks and ServiceRequests keep their ids from one version to the next.

The Composition (status final; type LOINC 18776-5 "Plan of care note" and SNOMED CT 734163000 "Care
plan"; author who saved the version; custodian the practice) has one section per heading of the
written plan (PRSB Personalised Care and Support Plan: about me, conditions, needs, goals and actions,
clinical targets, medicines, information and self-management, support services, contingency plan,
tasks for the team, who took part, review), each with generated narrative (every piece of typed text
escaped) and entries pointing at the resources. That the plan was agreed with the person is an
attester with mode personal (the Patient); the clinician who held the conversation (else who saved
it) attests in a professional capacity. Both attest at the day the plan was agreed (`agreed_on`, a
FHIR date, which dateTime allows), or at the moment it was saved when no day was recorded.

Entry order: Composition, Patient, Organization, Practitioners, CarePlan, CareTeam, RelatedPersons,
Conditions (diagnoses, then needs), Goals (the person's, then targets), Tasks, ServiceRequests,
HealthcareServices. Every resource is checked against its required value sets and the document rules
(every reference resolves inside the document) before it is returned. With `validate` (the default,
and in the tests) each resource and the whole Bundle are also constructed with the fhir.resources R4B
models (common.checked); the export page skips that part, which cost more than building the document
(the mappers are pure and the tests validate what they make), so a download does not re-validate it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tandem.core.rules import ROLE_LABELS
from tandem.terminology import observations

from ..rules.document import ACTION_STATUS, GOAL_STAGE, LEVELS, MEDICATION_KINDS, WHO
from . import activity, careteam, condition, goal, parties
from .careplan import TITLE, activities, careplan, careplan_id, note_value
from .careplan import status as careplan_status
from .common import (
    DOCUMENT_ID,
    ID_CARE_PLAN_VERSION,
    LOINC,
    NOTE_LABELS,
    NOTE_TOPICS,
    SNOMED,
    Clinician,
    ExportError,
    Source,
    binding_problems,
    checked,
    coding,
    compact,
    concept,
    instant,
    keys,
    long_date,
    model_class,
    narrative,
    ref,
    sentences,
    stable_id,
    tidy,
    urn,
)

DOCUMENT_TYPE = concept(coding(LOINC, "18776-5", "Plan of care note"), coding(SNOMED, "734163000", "Care plan"),
                        text=TITLE)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def document(source: Source, *, validate: bool = True) -> dict:
    """The FHIR R4 document Bundle for one version of a person's plan. `validate`: also construct every
    resource and the Bundle with the R4B models (see the module's docstring)."""
    source = replace(source, plan=tidy(source.plan))
    plan = source.plan
    saved = instant(source.saved_at)
    practice = parties.organization(source.practice)
    patient = parties.patient(source.person, practice)

    clinicians: dict[int, Clinician] = dict(source.staff)
    for who in (source.saved_by, source.named_clinician):
        if who is not None:
            clinicians[who.key] = who
    practitioners = {key: parties.practitioner(who) for key, who in clinicians.items()}
    if source.saved_by is not None:
        author = ref(practitioners[source.saved_by.key], source.saved_by.name)
    else:
        author = ref(practice, source.practice.name)

    # What the plan addresses: the person's registers and any a need relates to.
    wanted = list(dict.fromkeys([*source.registers, *(slug for need in plan.needs for slug in need.conditions)]))
    diagnoses = condition.addressed(source.diagnoses, wanted)
    diagnosis_resources = [condition.diagnosis(d, patient) for d in diagnoses]
    by_register: dict[str, list[dict]] = {}
    for row, resource in zip(diagnoses, diagnosis_resources, strict=True):
        for slug in row.registers:
            by_register.setdefault(slug, []).append(resource)
    need_resources = [condition.need(source.plan_key, key, n, patient, by_register, dict(source.register_names))
                      for key, n in zip(keys(plan.needs), plan.needs, strict=True)]

    goal_resources = [goal.goal(source.plan_key, key, g, patient) for key, g in zip(keys(plan.goals), plan.goals,
                                                                                     strict=True)]
    target_resources = [goal.target(source.plan_key, t, patient, by_register) for t in plan.targets]

    the_plan_id = careplan_id(source.plan_key)
    tasks = []
    outside: dict[int, dict] = {}  # the organisations outside the practice referred to, by Provider pk
    referral_requests = []
    for key, item in zip(keys(plan.referrals), plan.referrals, strict=True):
        team = source.team_tasks.get(item.id) if item.id else None  # as it stands now (reassigned, done...)
        provider_id = team.to_provider_id if team is not None else item.to_provider_id
        org = source.providers.get(provider_id) if provider_id is not None else None
        if org is not None:  # an order to an organisation outside the practice: a ServiceRequest and its Task
            organization = outside.setdefault(org.key, activity.outside_organization(org))
            request = activity.referral_request(
                plan_key=source.plan_key, key=key, item=item, careplan_id=the_plan_id, patient=patient,
                requester=author, authored=saved, organization=organization, org=org, team=team)
            referral_requests.append(request)
            tasks.append(activity.referral_task(
                plan_key=source.plan_key, key=key, item=item, careplan_id=the_plan_id, patient=patient,
                requester=author, authored=saved, request=request, organization=organization, org=org, team=team))
            continue
        to_user_id, to_role = (team.to_user_id, team.to_role) if team is not None else (item.to_user_id, item.to_role)
        owner = clinicians.get(to_user_id) if to_user_id is not None else None
        role_label = ROLE_LABELS.get(to_role, to_role)
        tasks.append(activity.task(
            plan_key=source.plan_key, key=key, item=item, careplan_id=the_plan_id, patient=patient,
            requester=author, authored=saved, status=source.task_status.get(item.id, "requested"), owner=owner,
            owner_resource=practitioners.get(to_user_id), role_label=role_label, team=team))
    service_resources: dict[int, dict] = {}
    requests = []
    for key, item in zip(keys(plan.services), plan.services, strict=True):
        service = source.services.get(item.service_id) if item.service_id is not None else None
        if service is not None and service.key not in service_resources:
            service_resources[service.key] = activity.healthcare_service(service)
        requests.append(activity.service_request(
            plan_key=source.plan_key, key=key, item=item, careplan_id=the_plan_id,
            status=careplan_status(source.latest), patient=patient, requester=author, authored=saved,
            service=service, service_resource=service_resources.get(service.key) if service else None))

    # The people: those who took part (a carer on the record too when the names match), then carers.
    took_part = [parties.participant(source.plan_key, source.version, i, patient, p)
                 for i, p in enumerate(plan.participants)]
    members: list[tuple[dict, list[dict]]] = [(patient, [careteam.PATIENT])]
    matched: set[int] = set()
    for person, resource in zip(plan.participants, took_part, strict=True):
        roles = [careteam.role(careteam.TOOK_PART)]
        carer = next((c for c in source.carers if c.key not in matched and _same(c.name, person.name)), None)
        if carer is not None:
            matched.add(carer.key)
            roles.append(careteam.CAREGIVER)
        members.append((resource, roles))
    carers = [parties.carer(source.person, patient, c) for c in source.carers if c.key not in matched]
    members.extend((resource, [careteam.CAREGIVER]) for resource in carers)
    staff_members: dict[int, list[dict]] = {}
    if source.saved_by is not None:
        staff_members[source.saved_by.key] = [careteam.role(careteam.AGREED_PLAN),
                                              *careteam.staff_role(source.saved_by)]
    if source.named_clinician is not None:
        roles = staff_members.setdefault(source.named_clinician.key, careteam.staff_role(source.named_clinician))
        roles.insert(0, careteam.role(careteam.NAMED_CLINICIAN))
    members.extend((practitioners[key], roles) for key, roles in staff_members.items())
    outside_people: list[dict] = []
    outside_members = []
    for m in source.outside_team:
        organization = outside.setdefault(m.organisation.key, activity.outside_organization(m.organisation))
        roles = [careteam.role(careteam.OUTSIDE), concept(text=m.role)]
        if m.professional_key is not None:
            professional = parties.practitioner(Clinician(key=m.professional_key, name=m.professional))
            if all(p["id"] != professional["id"] for p in [*outside_people, *practitioners.values()]):
                outside_people.append(professional)
            outside_members.append((professional, roles, organization, m.since.isoformat()))
        else:
            outside_members.append((organization, roles, None, m.since.isoformat()))
    team = careteam.care_team(plan_key=source.plan_key, patient=patient, practice=practice, members=members,
                              name=f"Care team for {source.person.given_name} {source.person.family_name}",
                              outside=outside_members)

    contributors = [ref(patient), author] + [ref(r) for r in took_part]
    the_plan = careplan(
        source, patient=patient, author=author, contributors=contributors, care_team=team,
        conditions=diagnosis_resources + need_resources, goals=[*goal_resources, *target_resources],
        activity=activities(source, patient=patient, goals=goal_resources, tasks=tasks, service_requests=requests))

    composition = _composition(source, patient=patient, practice=practice, author=author,
                               saver=practitioners.get(source.saved_by.key) if source.saved_by else None,
                               careplan=the_plan, team=team, diagnoses=(diagnoses, diagnosis_resources),
                               needs=need_resources, goals=goal_resources, targets=target_resources,
                               tasks=tasks, requests=requests)
    resources = [composition, patient, practice, *practitioners.values(), *outside_people, the_plan, team,
                 *took_part, *carers,
                 *diagnosis_resources, *need_resources, *goal_resources, *target_resources, *tasks,
                 *referral_requests, *outside.values(), *requests, *service_resources.values()]
    bundle_id = stable_id("careplan", source.plan_key, "v", source.version, "bundle")
    bundle = {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"lastUpdated": saved},
        "identifier": {"system": DOCUMENT_ID, "value": urn(bundle_id)},
        "type": "document",
        "timestamp": saved,
        "entry": [{"fullUrl": urn(r["id"]), "resource": checked(r) if validate else _bound(r)} for r in resources],
    }
    _check_document(bundle, validate=validate)
    return bundle


def _bound(resource: dict) -> dict:
    """The resource, after checking its required bindings only (common.checked does the models too)."""
    problems = binding_problems(resource)
    if problems:
        raise ExportError("; ".join(problems))
    return resource


def _check_document(bundle: dict, *, validate: bool) -> None:
    """The whole Bundle against the R4B model (with `validate`), and the document rules the model does
    not check."""
    if validate:
        try:
            model_class("Bundle").model_validate(bundle)
        except (ValueError, TypeError) as exc:
            raise ExportError(f"the document Bundle is not valid FHIR R4: {exc}") from exc
    urls = [e["fullUrl"] for e in bundle["entry"]]
    if len(set(urls)) != len(urls):
        raise ExportError("two entries of the document share a fullUrl")
    if bundle["entry"][0]["resource"]["resourceType"] != "Composition":
        raise ExportError("a document starts with its Composition")
    known = set(urls)
    for entry in bundle["entry"]:
        for reference in _references(entry["resource"]):
            if reference.startswith("urn:uuid:") and reference not in known:
                raise ExportError(f"{entry['resource']['resourceType']} refers to {reference}, not in the document")


def _references(value, found: list[str] | None = None) -> list[str]:
    """Every `reference` string in a resource, in document order (descending only into objects and
    lists: most of a resource is plain values)."""
    found = [] if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict | list):
                _references(item, found)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                _references(item, found)
    return found


# --- The Composition ---------------------------------------------------------------------------

def _section(title: str, blocks: list[tuple[str, list[str]]], entries: list[dict]) -> dict | None:
    blocks = [(heading, lines) for heading, lines in blocks if heading or lines]
    if not blocks and not entries:
        return None
    return compact({"title": title, "text": narrative(blocks), "entry": [ref(e) for e in entries]})


def _target_line(item) -> str:
    found = observations.BY_KEY.get(item.concept)
    name, unit = (found.name, found.unit) if found else (item.concept, "")
    if item.upper is not None and item.lower is not None:
        value = f"{item.lower:g} to {item.upper:g} {unit}"
    elif item.upper is not None:
        value = f"{item.upper:g} {unit} or lower"
    elif item.lower is not None:
        value = f"{item.lower:g} {unit} or higher"
    else:
        value = "no value agreed"
    return f"{name}: {value.strip()}" + (f". Why: {item.reason}" if item.reason else "")


def _is_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return len(text) == 10


def _composition(source: Source, *, patient: dict, practice: dict, author: dict, saver: dict | None,
                 careplan: dict, team: dict, diagnoses, needs: list[dict], goals: list[dict], targets: list[dict],
                 tasks: list[dict], requests: list[dict]) -> dict:
    plan = source.plan
    rows, diagnosis_resources = diagnoses
    about = [f"{NOTE_LABELS[t]}: {note_value(plan, t)}" for t in NOTE_TOPICS
             if NOTE_TOPICS[t].startswith("about.") and note_value(plan, t)]
    goal_blocks = []
    for g in plan.goals:
        lines = [f"How important: {g.importance} out of 10" if g.importance is not None else "",
                 f"Where it has got to: {GOAL_STAGE.get(g.stage, g.stage)}",
                 f"How it went: {g.outcome}" if g.outcome else ""]
        for a in g.actions:
            who = "I will" if a.who == "person" else f"{a.who_name or WHO.get(a.who, a.who)} will"
            lines.append(sentences(
                f"{who}: {a.what}" + (f" ({a.when})" if a.when else ""),
                f"Status: {ACTION_STATUS.get(a.status, a.status)}",
                f"Confidence: {a.confidence} out of 10" if a.confidence is not None else "",
                f"What will help: {a.strategies}" if a.strategies else ""))
        goal_blocks.append((g.words, [line for line in lines if line]))
    medicines = [sentences(f"{MEDICATION_KINDS.get(m.kind, m.kind)}: {m.medicine}",
                           f"Why: {m.reason}" if m.reason else "",
                           f"Agreed by: {m.agreed_by}" if m.agreed_by else "") for m in plan.medicines]
    contingency = [sentences(LEVELS.get(s.level, s.level), s.signs,
                             f"What to do: {s.what_to_do}" if s.what_to_do else "",
                             f"Who to contact: {s.contact}" if s.contact else "") for s in plan.warning_signs]
    if plan.rescue:
        contingency.append(f"Anticipatory medicines or rescue pack: {plan.rescue}")
    took_part = [f"{p.name}" + (f" ({p.relationship})" if p.relationship else "") for p in plan.participants]
    names = dict(source.register_names)
    sections = [
        _section("About me", [("", about)], [careplan]),
        _section("Conditions", [("", [f"{d.term} (since {d.onset:%B %Y})" for d in rows])], diagnosis_resources),
        _section("Needs and concerns", [("", [
            n.text + (" (" + ", ".join(names.get(s, s) for s in n.conditions) + ")" if n.conditions else "")
            for n in plan.needs])], needs),
        _section("Goals and actions", goal_blocks, goals),
        _section("Clinical targets agreed as my own", [("", [_target_line(t) for t in plan.targets])], targets),
        _section("Medicines", [("", medicines)], [careplan] if medicines else []),
        _section("Information and support to manage my health", [
            ("", [f"{NOTE_LABELS[t]}: {note_value(plan, t)}" for t in ("information", "self-management")
                  if note_value(plan, t)])], []),
        _section("Support services", [("", [s.name + (f": {s.why}" if s.why else "") for s in plan.services])],
                 requests),
        _section("Contingency plan", [("", contingency)], [careplan] if contingency else []),
        _section("Tasks for the team", [("", [r.what + (f" (by {long_date(r.by_when)})" if r.by_when else "")
                                              for r in plan.referrals])], tasks),
        _section("Who took part", [("", [*took_part, "The plan was agreed with the person." if plan.agreed_with_person
                                          else "The plan is not yet recorded as agreed with the person."])], [team]),
        _section("Review", [("", [line for line in (
            f"Review by {long_date(plan.review_date)}" if plan.review_date else "",
            f"Who is responsible: {plan.review_by}" if plan.review_by else "",
            f"Follow-up contacts to arrange: {plan.follow_ups}" if plan.follow_ups else "") if line])], []),
    ]
    # Attested on the day the plan was agreed (a date: the day is what was recorded), else when saved.
    attested = plan.agreed_on if _is_day(plan.agreed_on) else instant(source.saved_at)
    attesters = []
    if plan.agreed_with_person:
        attesters.append({"mode": "personal", "time": attested, "party": ref(patient)})
    if saver is not None:
        attesters.append({"mode": "professional", "time": attested, "party": ref(saver)})
    return compact({
        "resourceType": "Composition",
        "id": stable_id("careplan", source.plan_key, "v", source.version, "composition"),
        "identifier": {"system": ID_CARE_PLAN_VERSION, "value": f"{source.plan_key}/{source.version}"},
        "status": "final",
        "type": DOCUMENT_TYPE,
        "subject": ref(patient),
        "date": instant(source.saved_at),
        "author": [author],
        "title": TITLE,
        "attester": attesters,
        "custodian": ref(practice, source.practice.name),
        "section": [s for s in sections if s],
    })

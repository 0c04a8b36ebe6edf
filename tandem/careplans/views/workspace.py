"""The conversation workspace: one screen for the clinician holding the care planning conversation,
all conditions together. What the person brought (their agenda) first, then their results, the plan
so far and how its goals went, medicines, care team and carers, and risk tier; then the plan form
(PRSB sections), with a checklist of what is covered beside it.

What is typed is autosaved as a draft (nothing is lost if the browser closes) and the form works
without JavaScript: "Add another ..." buttons post the form and come back with one more row. Saving
makes the plan's next version; a problem (400) or someone else's save meanwhile (409) shows the form
again with everything typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.cache import patch_vary_headers

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, User
from tandem.core.parsing import read_int
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can
from tandem.patients import facts as record_facts
from tandem.patients import presenters as patient_presenters
from tandem.patients.models import Patient
from tandem.patients.queries import SummaryRecord, patient_summary
from tandem.prepare.models import Conversation, Pack
from tandem.prepare.queries import agenda as agenda_queries
from tandem.prepare.rules import pack as pack_rules
from tandem.registers import presenters as register_presenters
from tandem.registers import queries as register_queries
from tandem.registers.rules import risk

from .. import actions, forms, hooks, queries
from ..fields import WorkspaceFields
from ..models import LocalService, PlanVersion
from ..presenters import plans as plan_presenters
from ..presenters import workspace as presenters
from ..queries import workspace as workspace_queries
from ..record import risk_record
from ..rules import carry, document
from ..rules.document import Plan

TEMPLATE = "careplans/workspace/page.jinja"
PACK_VIEW = "prepare.pack.preview"  # what a view of the pack as sent is audited as, wherever it is shown


@dataclass
class _Person:
    """Everything the workspace shows about the person, read once per request."""

    patient: Patient
    summary: patient_presenters.Summary
    record: SummaryRecord
    conversation: Conversation | None
    agenda: object
    agenda_history: list
    pack: Pack | None
    latest: PlanVersion | None
    latest_plan: Plan
    earlier: PlanVersion | None  # the plan as it stood before this conversation
    services: list[LocalService]
    staff: list[tuple[int, str, str]]
    clinical_staff: dict[int, str]
    providers: list[tuple[int, str, str]]  # the organisations outside the practice a referral can go to
    thresholds: risk.Thresholds  # the practice's, for the risk tier

    @cached_property
    def earlier_plan(self) -> Plan | None:
        """The earlier conversation's plan whose items are offered to this one (None without a conversation)."""
        if self.conversation is None:
            return None
        return self.latest_plan if self.earlier is self.latest else queries.plan_of(self.earlier)

    @cached_property
    def carried(self) -> set[str]:
        return carry.carried_ids(self.earlier_plan) if self.earlier_plan is not None else set()

    @property
    def staff_names(self) -> dict[int, str]:
        return {pk: name for pk, name, _ in self.staff}


def _person(request, patient_id: int) -> _Person:
    """The person (404 for anyone not at this practice; the read is audited) and their context. Their
    record is read once: the register facts and risk tier are worked out from the summary's read."""
    today = clock.today()
    record = patient_summary(practice=request.practice, pk=patient_id, by=request.user,
                             contacts_since=patient_presenters.contacts_since(today),
                             observations_since=patient_presenters.observations_since(today))
    patient = record.patient
    conversation = workspace_queries.conversation_for(request.practice, patient, now=clock.now())
    latest = queries.latest(request.practice, patient)
    earlier = _earlier(request.practice, patient, conversation, latest)
    # Every version of the agenda, latest first: the latest is the first of them (one query for both).
    history = agenda_queries.agenda_history(request.practice, conversation) if conversation else []
    # The practice's staff, read once: everyone for tasks, those who hold conversations for the plan.
    members = workspace_queries.practice_staff(request.practice)
    return _Person(
        patient=patient, conversation=conversation, record=record,
        summary=patient_presenters.summary(
            record, today=today, with_contacts=False,  # the workspace shows no appointments or admissions
            facts=record_facts.for_record(request.practice, patient, record.conditions, today=today)),
        agenda=history[0] if history else None, agenda_history=history,
        pack=workspace_queries.sent_pack(conversation), latest=latest,
        latest_plan=queries.plan_of(latest), earlier=earlier, services=queries.services(request.practice),
        staff=workspace_queries.referral_staff_of(members), clinical_staff=actions.clinical_staff_of(members),
        providers=workspace_queries.referral_providers(request.practice),
        thresholds=register_queries.thresholds_for(request.practice))


def _earlier(practice, patient: Patient, conversation: Conversation | None,
             latest: PlanVersion | None) -> PlanVersion | None:
    """The plan version as it stood before this conversation: the latest, unless that was saved in it."""
    if conversation is not None and latest is not None and latest.conversation_id == conversation.pk:
        return queries.earlier(practice, patient, conversation)
    return latest


def _patient_for_draft(request, patient_id: int) -> Patient:
    """The person, for writing a draft or answering a small fragment: scoped to the practice (404
    otherwise) but not audited as a view of their record, since none of it is shown."""
    patient = workspace_queries.patient_unaudited(request.practice, patient_id)
    if patient is None:
        raise Http404("No such patient in this practice")
    return patient


def _medicine_names(person: _Person) -> list[str]:
    medicines = person.summary.medicines
    return [m.name for m in (*medicines.regular, *medicines.as_needed)]


def _flags(person: _Person, plan: Plan) -> dict[str, str]:
    """What to check beside the form's items: medicine agreements against the medicines taken now,
    and where each goal of the earlier plan had got to."""
    return carry.medicine_flags(plan.medicines, _medicine_names(person)) | carry.goal_notes(person.earlier_plan)


def _options(person: _Person, plan: Plan) -> presenters.Options:
    return presenters.options(
        conditions=[(g.slug, g.name) for g in person.summary.conditions.current],
        medicines=_medicine_names(person), services=person.services, staff=person.staff, plan=plan,
        clinicians=person.clinical_staff, providers=person.providers)


def _offer(request, person: _Person) -> carry.Offer:
    """This conversation's plan, started from the plan before it (or from nothing)."""
    conversation = person.conversation
    staff = person.clinical_staff
    held_by = actions.default_holder(staff, request.user, conversation)
    return carry.offer(
        person.earlier_plan, conditions={g.slug for g in person.summary.conditions.current},
        medicines=_medicine_names(person), service_conditions={s.pk: tuple(s.conditions) for s in person.services},
        agenda_what_matters=person.agenda.what_matters if person.agenda is not None else "",
        held_by_id=held_by, held_by=staff.get(held_by, ""),
        held_on=actions.conversation_day(conversation, clock.today()))


def _pack(row: Pack | None) -> pack_rules.Pack | None:
    if row is None or not row.content:
        return None
    try:
        return pack_rules.Pack.from_dict(row.content)
    except (KeyError, TypeError, ValueError):
        return None


def _tier(person: _Person):
    assessment = register_queries.assess_record(risk_record(person.record), today=clock.today(),
                                                thresholds=person.thresholds)
    return register_presenters.patient_tier(person.patient.pk, assessment)


def _written_plan_url(patient_id: int) -> str:
    try:
        return reverse("careplans:plan", args=[patient_id])
    except NoReverseMatch:  # the written plan's pages are not installed
        return ""


def _checkins_url(patient_id: int) -> str:
    try:
        return reverse("checkins:person", args=[patient_id])
    except NoReverseMatch:  # check-ins are not installed
        return ""


def _render(request, person: _Person, *, form: presenters.FormState | None, plan: Plan, status: int = 200,
            conflict: plan_presenters.Conflict | None = None, draft: presenters.DraftNotice | None = None,
            offered: carry.Offer | None = None, unsaved: bool = False):
    patient = person.patient
    earlier = person.earlier_plan
    offered = offered or (_offer(request, person) if person.conversation is not None else None)
    can_edit = can(request.roles, Capability.EDIT_CLINICAL)
    return render(request, TEMPLATE, {
        "active_section": "patients",
        "banner": person.summary.banner, "about": person.summary.about, "results": person.summary.results,
        "medicines": person.summary.medicines, "given_name": patient.given_name,
        "conversation_text": presenters.conversation_text(person.conversation),
        "conversation_id": person.conversation.pk if person.conversation else None,
        "agenda": person.agenda, "agenda_history": person.agenda_history,
        "pack_row": person.pack, "pack": _pack(person.pack),
        "previous": plan_presenters.previous(person.latest, person.latest_plan, today=clock.today(),
                                             staff=person.staff_names),
        "goal_progress": (plan_presenters.progress(person.latest_plan, hooks.progress(patient.practice_id, patient.pk))
                          if person.latest else []),
        "checkins_url": _checkins_url(patient.pk),
        "tier": _tier(person),
        "can_edit": can_edit, "form": form if can_edit else None,
        "options": _options(person, plan),
        "checklist": presenters.checklist(carry.this_conversation(plan, earlier), had_agenda=person.agenda is not None,
                                          proactive=person.conversation is not None),
        "conflict": conflict, "draft": draft,
        "carried": presenters.carried_notes(offered, earlier) if earlier is not None else None,
        "unsaved": unsaved,
        "form_errors": [p.message for p in form.problems] if form and can_edit else [],
        "written_plan_url": _written_plan_url(patient.pk) if person.latest else "",
        "add_button": presenters.add_button, "form_fields": WorkspaceFields, "patient_id": patient.pk,
        "review_example": presenters.review_example(clock.today()),
    }, status=status)


def _keep(person: _Person, user: User, parsed: forms.Parsed, conversation: Conversation | None) -> str:
    """Keep what was typed as the clinician's draft. A draft too large to keep is not kept: the page
    shown with what was typed says so (`_kept_or_why`)."""
    try:
        actions.autosave(patient=person.patient, by=user, content=parsed.plan.as_dict(),
                         base_version=parsed.base_version, conversation=conversation)
    except actions.DraftTooLarge as too_large:
        return str(too_large)
    return ""


def _keep_or_say(request, person: _Person, parsed: forms.Parsed, conversation: Conversation | None) -> None:
    refused = _keep(person, request.user, parsed, conversation)
    if refused:
        messages.error(request, refused)


@practice_required(Capability.VIEW_CLINICAL)
def workspace(request, patient_id: int):
    if request.method == "POST":
        if not can(request.roles, Capability.EDIT_CLINICAL):
            raise PermissionDenied("Your role does not allow changing care plans.")
        return _save(request, patient_id)
    person = _person(request, patient_id)
    conversation_id = person.conversation.pk if person.conversation else None
    draft = queries.draft(request.practice, person.patient, request.user)
    if draft is not None and person.latest is not None and plan_presenters.same_content(
            Plan.from_dict(draft.content), person.latest_plan):
        draft = None  # nothing in it that is not saved already
    if draft is not None:
        plan = Plan.from_dict(draft.content)
        form = presenters.form_state(forms.values_of(plan), base_version=draft.base_version,
                                     conversation_id=conversation_id, carried=person.carried,
                                     flags=_flags(person, plan))
        notice = presenters.draft_notice(draft, current_version=person.latest.version if person.latest else 0)
        return _render(request, person, form=form, plan=plan, draft=notice)
    offered = None
    if person.conversation is None:  # a change between conversations: the plan as it stands
        plan = person.latest_plan
        if plan.review_date and plan.review_date <= clock.today().isoformat():
            plan = replace(plan, review_date="")  # the review is due: a new date is agreed now
    elif person.latest is not None and person.latest.conversation_id == conversation_id:
        plan = person.latest_plan  # saved in this conversation already: carry on from it
    else:  # the plan before this conversation is offered to it, item by item
        offered = _offer(request, person)
        plan = offered.plan
    form = presenters.form_state(forms.values_of(plan), base_version=person.latest.version if person.latest else 0,
                                 conversation_id=conversation_id, carried=person.carried,
                                 flags=offered.flags if offered else None)
    return _render(request, person, form=form, plan=plan, offered=offered)


def _save(request, patient_id: int):
    person = _person(request, patient_id)
    parsed = forms.parse(request.POST, services={s.pk: s.name for s in person.services})
    conversation = workspace_queries.conversation_of(request.practice, person.patient, parsed.conversation)

    def shown(problems=(), *, base_version: int | None = None, add: str = "") -> presenters.FormState:
        return presenters.form_state(
            parsed.values, problems=problems, add=add, carried=person.carried, flags=_flags(person, parsed.plan),
            base_version=parsed.base_version if base_version is None else base_version,
            conversation_id=conversation.pk if conversation else None)

    if parsed.add:
        _keep_or_say(request, person, parsed, conversation)
        return _render(request, person, form=shown(add=parsed.add), plan=parsed.plan)
    if "draft" in request.POST:
        refused = _keep(person, request.user, parsed, conversation)
        if refused:
            messages.error(request, refused)
            return _render(request, person, form=shown(), plan=parsed.plan, status=400)
        messages.success(request, "Your draft is kept. It becomes part of the plan when you save the plan.")
        return redirect(reverse("careplans:workspace", args=[person.patient.pk]) + "#plan")
    if request.POST.get("save") != "plan":
        # Not the "Save the plan" button (Enter pressed in a field, say): nothing is saved as a
        # version; what was typed is kept as the draft and the form is shown again.
        _keep_or_say(request, person, parsed, conversation)
        return _render(request, person, form=shown(), plan=parsed.plan, unsaved=True)
    problems = parsed.with_problems(document.validate(parsed.plan, known_concepts=actions.known_concepts(),
                                                      today=clock.today()))
    if problems:
        _keep_or_say(request, person, parsed, conversation)
        return _render(request, person, form=shown(problems), plan=parsed.plan, status=400)
    try:
        saved = actions.save_plan(patient=person.patient, by=request.user, plan=parsed.plan,
                                  base_version=parsed.base_version, conversation=conversation, note=parsed.note)
    except actions.PlanError as error:
        _keep_or_say(request, person, parsed, conversation)
        return _render(request, person, form=shown(parsed.with_problems(error.problems)), plan=parsed.plan,
                       status=400)
    except actions.PlanConflict as clash:
        _keep_or_say(request, person, parsed, conversation)
        current = clash.current
        found = plan_presenters.conflict(current, theirs=queries.plan_of(current), yours=parsed.plan,
                                         staff=person.staff_names)
        return _render(request, person, form=shown(base_version=current.version), plan=parsed.plan,
                       conflict=found, status=409)
    tasks = (f" {saved.tasks} {'task was' if saved.tasks == 1 else 'tasks were'} made for other members of the team."
             if saved.tasks else "")
    messages.success(request, f"Care plan saved as version {saved.version.version}.{tasks}")
    return redirect(_written_plan_url(person.patient.pk) or reverse("careplans:workspace", args=[person.patient.pk]))


@practice_required(Capability.EDIT_CLINICAL)
def autosave(request, patient_id: int):
    """Keep what has been typed so far (htmx posts it as the clinician types); answers a short
    status and the checklist as it now stands. Another practice's person is not found, whatever the
    method."""
    patient = _patient_for_draft(request, patient_id)
    if request.method != "POST":
        return redirect(reverse("careplans:workspace", args=[patient.pk]))
    parsed = forms.parse(request.POST, services={s.pk: s.name for s in queries.services(request.practice)})
    conversation = workspace_queries.conversation_of(request.practice, patient, parsed.conversation)
    latest = queries.latest(request.practice, patient)
    saved_meanwhile = (latest is not None and latest.version > parsed.base_version
                       and plan_presenters.same_content(parsed.plan, queries.plan_of(latest)))
    if not saved_meanwhile:  # not a late autosave of what has just been saved as a version
        try:
            actions.autosave(patient=patient, by=request.user, content=parsed.plan.as_dict(),
                             base_version=parsed.base_version, conversation=conversation)
        except actions.DraftTooLarge as too_large:  # the page keeps what was typed and says why
            return render(request, "careplans/workspace/_autosaved.jinja", {"refused": str(too_large)})
    agenda = agenda_queries.latest_agenda(request.practice, conversation) if conversation else None
    earlier = (queries.plan_of(_earlier(request.practice, patient, conversation, latest))
               if conversation is not None else None)
    mine = carry.this_conversation(parsed.plan, earlier)
    return render(request, "careplans/workspace/_autosaved.jinja", {
        "saved_at": plan_presenters.time_text(clock.now()),
        "checklist": presenters.checklist(mine, had_agenda=agenda is not None,
                                          proactive=conversation is not None),
    })


@practice_required(Capability.EDIT_CLINICAL)
def discard(request, patient_id: int):
    patient = _patient_for_draft(request, patient_id)
    if request.method != "POST":
        return redirect(reverse("careplans:workspace", args=[patient.pk]))
    actions.discard_draft(patient=patient, by=request.user)
    messages.success(request, "Your unsaved changes were discarded. The form shows the plan as it was last saved.")
    return redirect(reverse("careplans:workspace", args=[patient.pk]) + "#plan")


@practice_required(Capability.EDIT_CLINICAL)
def row(request, patient_id: int):
    """One blank row of a list (htmx, for "Add another ..."), and the button for the row after it.
    Without htmx the button posts the whole form instead (see _save)."""
    add = request.GET.get("add", "")
    index = read_int(request.GET.get("index", ""), label="Row", minimum=0, maximum=forms.MAX_ROWS - 1).value
    if not forms.ADDABLE.match(add) or index is None:
        _patient_for_draft(request, patient_id)
        return redirect(reverse("careplans:workspace", args=[patient_id]))
    if add in ("needs", "information_items"):  # the person's conditions, to link it to: a read of their record
        person = _person(request, patient_id)
        conditions = [(g.slug, g.name) for g in person.summary.conditions.current]
    else:
        _patient_for_draft(request, patient_id)
        conditions = []
    staff = workspace_queries.referral_staff(request.practice) if add == "referrals" else []
    providers = workspace_queries.referral_providers(request.practice) if add == "referrals" else []
    options = presenters.options(conditions=conditions, medicines=[], services=[], staff=staff, plan=Plan(),
                                 providers=providers)
    form = presenters.new_row(add, index)
    return render(request, "careplans/workspace/_row.jinja", {
        "add": add, "index": index, "goal": int(add.split(".")[1]) if add.startswith("goals.") else None,
        "form": form, "options": options, "patient_id": patient_id,
        "next_button": presenters.add_button(add, index + 1), "add_button": presenters.add_button,
        "form_fields": WorkspaceFields,
    })


@practice_required(Capability.VIEW_CLINICAL)
def pack(request, patient_id: int):
    """The pack sent for the conversation the workspace is for, when its box is opened (htmx): read
    and audited as a view of the pack, like its preview page. Without htmx, that page (or the
    workspace, when no pack was sent)."""
    patient = _patient_for_draft(request, patient_id)
    conversation = workspace_queries.conversation_for(request.practice, patient, now=clock.now())
    row = workspace_queries.sent_pack(conversation)
    if not request.htmx:
        response = redirect(reverse("prepare:preview", args=[conversation.pk]) if row is not None
                            else reverse("careplans:workspace", args=[patient.pk]) + "#results")
    elif row is None:  # nothing of their record to show: not audited
        response = render(request, "careplans/workspace/_pack.jinja", {"pack": None, "conversation_id": None})
    else:
        audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                     what=PACK_VIEW, patient_id=patient.pk, object_id=conversation.pk)
        response = render(request, "careplans/workspace/_pack.jinja", {
            "pack": _pack(row), "conversation_id": conversation.pk})
    patch_vary_headers(response, ["HX-Request"])
    return response


@practice_required(Capability.VIEW_CLINICAL)
def confidence(request, patient_id: int):
    """The prompt to rework an action the person is not sure they can do (htmx, as it is typed)."""
    _patient_for_draft(request, patient_id)
    value = next((v for k, v in request.GET.items() if k.endswith(".confidence")), "").strip()
    confidence = read_int(value, label="Confidence", minimum=0, maximum=10).value
    low = confidence is not None and confidence < document.CONFIDENCE_REWORK_BELOW
    return render(request, "careplans/workspace/_confidence.jinja", {"low": low})


urlpatterns = [
    path("<id:patient_id>/", workspace, name="workspace"),
    path("<id:patient_id>/autosave/", autosave, name="workspace_autosave"),
    path("<id:patient_id>/draft/discard/", discard, name="workspace_discard"),
    path("<id:patient_id>/row/", row, name="workspace_row"),
    path("<id:patient_id>/confidence/", confidence, name="workspace_confidence"),
    path("<id:patient_id>/pack/", pack, name="workspace_pack"),
]

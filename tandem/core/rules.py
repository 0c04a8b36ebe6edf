"""Roles and what each may do. Pure: no Django."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    GP = "gp"
    NURSE = "nurse"
    HCA = "hca"
    PHARMACIST = "pharmacist"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.GP: "GP",
    Role.NURSE: "Practice nurse",
    Role.HCA: "Health care assistant",
    Role.PHARMACIST: "Clinical pharmacist",
    Role.MANAGER: "Practice manager",
    Role.ADMIN: "Administrator",
}


class Capability(StrEnum):
    VIEW_PATIENT = "view_patient"  # demographics, contacts, adjustments
    VIEW_CLINICAL = "view_clinical"  # conditions, results, medicines
    EDIT_CLINICAL = "edit_clinical"
    IMPORT_RECORDS = "import_records"
    MANAGE_PRACTICE = "manage_practice"
    RECORD_RESULTS = "record_results"  # the review's tests, measured or taken at the point of care


_ALL = frozenset(Capability)
_CLINICAL = frozenset({Capability.VIEW_PATIENT, Capability.VIEW_CLINICAL, Capability.EDIT_CLINICAL,
                       Capability.RECORD_RESULTS})

CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.GP: _CLINICAL,
    Role.NURSE: _CLINICAL,
    Role.PHARMACIST: _CLINICAL,
    # Health care assistants do most of the tests appointment: they record its results.
    Role.HCA: frozenset({Capability.VIEW_PATIENT, Capability.VIEW_CLINICAL, Capability.RECORD_RESULTS}),
    Role.MANAGER: _ALL,
    # Administrators run recall and letters: they see who a person is and how to reach them, when
    # their review is due and what to book. They do not see clinical detail, and they do not import
    # records (an import adds diagnoses, results and medicines). docs/roles.md has the whole table.
    Role.ADMIN: frozenset({Capability.VIEW_PATIENT}),
}


def can(roles: set[Role] | frozenset[Role], capability: Capability) -> bool:
    return any(capability in CAPABILITIES[Role(r)] for r in roles)


# --- Who may open which page: one table for every URL -----------------------------------------
#
# Every named URL of Tandem has one entry below, and tandem.core.access.AccessMiddleware checks it
# before any view runs. A URL without an entry is refused (and tests/core/test_access_matrix.py fails),
# so a new page cannot ship without someone deciding who may use it. docs/roles.md says it in words.


class Open(StrEnum):
    """Needs that are not a capability."""

    PUBLIC = "public"  # no account: signing in, the person's own reply link
    SIGNED_IN = "signed_in"  # any signed-in account, before a practice is chosen
    MEMBER = "member"  # anyone working in the chosen practice, whatever their role
    GROUP_LEAD = "group_lead"  # a lead of a primary care network or ICB (tandem.core.models.GroupLead), no practice needed
    # the practice manager of the chosen practice, or a group lead (no practice needed): the evaluator export
    MANAGER_OR_GROUP_LEAD = "manager_or_group_lead"
    # a person signed in to their own Tandem with NHS login (request.person, tandem.people.session), never
    # a staff account; what they may see beyond that is tandem.people.rules.may (levels, later grants)
    PERSON = "person"
    # a professional of an organisation outside the practice (tandem.core.models.ProviderStaff, in force), no
    # practice needed: which people they may see is decided by the view (tandem.careteam: their care teams only)
    CARE_TEAM = "care_team"
    # either: a clinician of the chosen practice (view clinical), or a professional of an organisation outside
    # the practice (CARE_TEAM): allowing another system to read records through the FHIR API for them
    CLINICAL_OR_CARE_TEAM = "clinical_or_care_team"


Need = Open | Capability


class Decision(StrEnum):
    ALLOW = "allow"
    SIGN_IN = "sign_in"
    CHOOSE_PRACTICE = "choose_practice"
    FORBIDDEN = "forbidden"
    PERSON_SIGN_IN = "person_sign_in"  # a person's page without a person signed in: their sign-in page


@dataclass(frozen=True)
class Access:
    """What a URL needs to be read (GET, HEAD, OPTIONS) and to be changed (POST and the rest)."""

    read: Need
    change: Need

    def need(self, method: str) -> Need:
        return self.read if method.upper() in SAFE_METHODS else self.change


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _both(need: Need) -> Access:
    return Access(read=need, change=need)


_PUBLIC = _both(Open.PUBLIC)
_MEMBER = _both(Open.MEMBER)
_PATIENT = _both(Capability.VIEW_PATIENT)
_CLINICAL_READ = _both(Capability.VIEW_CLINICAL)
_CLINICAL_EDIT = _both(Capability.EDIT_CLINICAL)
_MANAGE = _both(Capability.MANAGE_PRACTICE)
_IMPORT = _both(Capability.IMPORT_RECORDS)
_COHORT = Access(read=Capability.VIEW_PATIENT, change=Capability.EDIT_CLINICAL)

URL_ACCESS: dict[str, Access] = {
    # Signing in and choosing where to work.
    "home": _MEMBER,
    "core:login": _PUBLIC,
    "core:logout": _PUBLIC,
    "core:choose_practice": _both(Open.SIGNED_IN),
    # Signing in step by step (the second factor comes before the account is signed in), and resetting
    # a forgotten password by email: no account yet.
    "core:sign_in_code": _PUBLIC,
    "core:sign_in_set_up": _PUBLIC,
    "core:signed_out": _PUBLIC,
    "core:password_reset": _PUBLIC,
    "core:password_reset_done": _PUBLIC,
    "core:password_reset_confirm": _PUBLIC,
    "core:password_reset_complete": _PUBLIC,
    # One's own account, whichever practice (if any) one works in.
    "core:account": _both(Open.SIGNED_IN),
    "core:password_change": _both(Open.SIGNED_IN),
    "core:two_factor_set_up": _both(Open.SIGNED_IN),
    "core:backup_codes": _both(Open.SIGNED_IN),
    "core:new_backup_codes": _both(Open.SIGNED_IN),
    "core:two_factor_off": _both(Open.SIGNED_IN),
    "core:sign_out_everywhere": _both(Open.SIGNED_IN),
    # The practice's sign-in rules (two-factor authentication for everyone).
    "core:practice_security": _MANAGE,
    # For the load balancer and monitoring: says nothing about anyone.
    "healthz": _PUBLIC,
    "healthz_live": _PUBLIC,
    # The clinical record.
    "patients:search": _PATIENT,
    "patients:summary": _CLINICAL_READ,
    # Choosing a person's named clinician: keeping that list is administrative work (reception as often
    # as clinicians), so whoever may see who the person is (tandem.patients.views.named_clinician).
    "patients:named_clinician": _PATIENT,
    # Importing records brings in diagnoses, results and medicines: clinical writes.
    "fhir:upload": _IMPORT,
    # Background jobs: each view shows only the practice's own jobs; the queue's health is the manager's.
    "jobs:queue": _MANAGE,
    "jobs:detail": _MEMBER,
    "jobs:progress": _MEMBER,
    "jobs:status": _MEMBER,
    "jobs:retry": _MEMBER,
    # Registers: counts for everyone; lists of people by clinical need for clinicians. Working registers
    # out again and saving cohorts: clinicians who edit the record, and the manager.
    "registers:index": _MEMBER,
    # Booking a review's tests appointment and conversation into clinic sessions (administrators book).
    "booking:review": _PATIENT,
    "booking:book": _PATIENT,
    "booking:cancel": _PATIENT,
    "booking:outcome": _PATIENT,
    "booking:settings": _MANAGE,
    "booking:rebook": _PATIENT,
    # The day list: everyone who sees people (reception marks arrivals); clinical detail only for clinicians.
    "booking:day": _PATIENT,
    "booking:arrival": _PATIENT,
    # Recording the review's tests at the point of care (HCAs, nurses, GPs, pharmacists; not administrators).
    "results:review": _both(Capability.RECORD_RESULTS),
    # Clinic sessions: everyone in the practice sees when sessions are held (to book into them, and their
    # own); the practice manager sets them up, changes or cancels one, and records leave.
    "clinics:week": _MEMBER,
    "clinics:patterns": _MEMBER,
    "clinics:pattern_new": _MANAGE,
    "clinics:pattern": _MANAGE,
    "clinics:pattern_end": _MANAGE,
    "clinics:session_new": _MANAGE,
    "clinics:session": _MANAGE,
    "clinics:session_cancel": _MANAGE,
    "clinics:session_hold": _MANAGE,
    "clinics:leave": Access(read=Open.MEMBER, change=Capability.MANAGE_PRACTICE),
    "clinics:leave_remove": _MANAGE,
    "registers:refresh": Access(read=Open.MEMBER, change=Capability.EDIT_CLINICAL),
    "registers:worklist": _CLINICAL_READ,
    "registers:tiers": _MEMBER,
    "registers:tier_settings": _MANAGE,
    "registers:cohorts": _PATIENT,
    "registers:cohort_new": _COHORT,
    "registers:cohort_preview": _PATIENT,
    "registers:cohort_edit": _COHORT,
    "registers:cohort_delete": _COHORT,
    "registers:patient_tier": _CLINICAL_READ,
    # Recall: run by administrators as well as clinicians (the pages hide clinical detail from them).
    "recall:board": _PATIENT,
    "recall:export": _PATIENT,
    "recall:plan": _PATIENT,
    "recall:send": _PATIENT,
    "recall:summary": _PATIENT,
    "recall:forecast": _PATIENT,
    "recall:settings": _MANAGE,
    "recall:review": _PATIENT,
    "recall:respond": _PATIENT,
    "recall:person": _PATIENT,
    # Messages to patients: the outbox hides the words of clinical messages from administrators.
    "messaging:outbox": _PATIENT,
    "messaging:send": _PATIENT,
    "messaging:message": _PATIENT,
    "messaging:letter": _PATIENT,
    "messaging:resolve": _PATIENT,
    "messaging:fresh_link": _PATIENT,
    "messaging:demo_texts": _PATIENT,
    "messaging:demo_mailbox": _PATIENT,
    "messaging:demo_email": _PATIENT,
    "messaging:demo_attachment": _PATIENT,  # and words_shown: a clinical email's files only for clinicians
    # Preparing for the conversation: booking, sending packs and typing in returned agenda sheets is
    # administrative; the pack itself (results) is clinical; the wording is the practice's.
    "prepare:packs": _PATIENT,
    "prepare:send": _PATIENT,
    "prepare:settings": _MANAGE,
    "prepare:conversation": _PATIENT,
    "prepare:preview": _CLINICAL_READ,
    "prepare:preference": _PATIENT,
    "prepare:book": _PATIENT,
    "prepare:wording": _MANAGE,
    "prepare:wording_block": _MANAGE,
    "prepare:wording_check": _MANAGE,
    "prepare:wording_preview": _MANAGE,
    "prepare:wording_use_standard": _MANAGE,
    "prepare:wording_version": _MANAGE,
    "prepare:wording_use_again": _MANAGE,
    "prepare:agenda_history": _PATIENT,
    "prepare:agenda_paper": _PATIENT,
    # Care planning: reading a plan is clinical; writing one is a clinician's.
    "careplans:workspace": Access(read=Capability.VIEW_CLINICAL, change=Capability.EDIT_CLINICAL),
    "careplans:workspace_autosave": _CLINICAL_EDIT,
    "careplans:workspace_discard": _CLINICAL_EDIT,
    "careplans:workspace_row": _CLINICAL_EDIT,
    "careplans:workspace_confidence": _CLINICAL_READ,
    "careplans:workspace_pack": _CLINICAL_READ,
    "careplans:plan": _CLINICAL_READ,
    "careplans:plan_pdf": _CLINICAL_READ,
    "careplans:copy_given": _CLINICAL_READ,
    "careplans:plan_send": _CLINICAL_READ,  # as recording a copy given: whoever may read the plan
    "careplans:fhir": _CLINICAL_READ,
    "careplans:services": _PATIENT,
    "careplans:service_new": _MANAGE,
    "careplans:service_edit": _MANAGE,
    "careplans:tasks": _PATIENT,
    "careplans:task": _PATIENT,  # changed only by whom the task is for, or the manager: may_close_task
    # A person's copy of their data (subject access request): the practice manager's.
    "privacy:find": _MANAGE,
    "privacy:person": _MANAGE,
    "privacy:export": _MANAGE,
    "privacy:download": _MANAGE,
    # The practice's team (staff, roles, leaving and returning) and who does each step: the manager's.
    "team:index": _MANAGE,
    "team:add": _MANAGE,
    "team:member": _MANAGE,
    "team:steps": _MANAGE,
    # The practice's continuity of care: clinical staff and the practice manager.
    "continuity:practice": _CLINICAL_READ,
    # People on a register without a named clinician, to choose one for each: for whoever keeps that list
    # (the practice manager, administrators), as choosing one is (patients:named_clinician).
    "continuity:without_named": _PATIENT,
    # Check-ins between visits: answers are clinical; recording a phone check-in's answers is for
    # whoever may record results at a point of contact (health care assistants too); the settings
    # are the manager's.
    "checkins:worklist": _CLINICAL_READ,
    "checkins:checkin": Access(read=Capability.VIEW_CLINICAL, change=Capability.RECORD_RESULTS),
    "checkins:fhir": _CLINICAL_READ,
    "checkins:person": _CLINICAL_READ,
    "checkins:settings": _MANAGE,
    # What the practice changed and when (notes on its charts): anyone there reads; the manager writes.
    "learn:changes": Access(read=Open.MEMBER, change=Capability.MANAGE_PRACTICE),
    "learn:change": _MANAGE,
    # A primary care network's or ICB's practices side by side: its leads only (counts, never a person).
    "learn:groups": _both(Open.GROUP_LEAD),
    "learn:group": _both(Open.GROUP_LEAD),
    "learn:group_csv": _both(Open.GROUP_LEAD),
    # De-identified person-level data for an evaluation (tandem.learn.export_rules): a practice's manager for
    # their practice, a group's leads for its practices; a project someone may not use is not found.
    "learn:exports": _both(Open.MANAGER_OR_GROUP_LEAD),
    "learn:export": _both(Open.MANAGER_OR_GROUP_LEAD),
    # The practice over time: counts by month, no one named.
    "learn:over_time": Access(read=Open.MEMBER, change=Capability.MANAGE_PRACTICE),  # the manager sets targets
    "learn:over_time_csv": _MEMBER,
    # Is care planning happening (the cycle counted, the written-plan gap) and is it changing anything
    # (outcomes): figures about clinical care, for clinical staff and the manager; the people at a step too.
    "learn:dashboard": _CLINICAL_READ,
    "learn:step": _CLINICAL_READ,
    "learn:outcomes": _CLINICAL_READ,
    # A person's check-in on their own link (tandem.checkins.public), behind the date of birth.
    "checkin_online:form": _PUBLIC,
    "checkin_online:done": _PUBLIC,
    # Surveys (tandem.surveys): the practice manager runs the staff survey's rounds and downloads every
    # answer as FHIR; everyone in the practice answers it (once a round, kept without their name) and
    # sees its results (closed rounds, 5 or more answers); people's answers after care planning are
    # for clinical staff and the manager, as sets only (5 or more).
    "surveys:staff_rounds": _MANAGE,
    "surveys:staff_answer": _MEMBER,
    "surveys:staff_report": _MEMBER,
    "surveys:people_report": _CLINICAL_READ,
    "surveys:export": _MANAGE,
    # A person's survey after care planning on their own link (tandem.surveys.public), behind the date of birth.
    "survey_online:form": _PUBLIC,
    "survey_online:done": _PUBLIC,
    # The person's own reply link: no account; the token and their date of birth are the way in.
    "reply:code": _PUBLIC,
    "reply:start": _PUBLIC,
    "reply:pack": _PUBLIC,
    "reply:reply": _PUBLIC,
    "reply:sent": _PUBLIC,
    "reply:answer": _PUBLIC,
    "reply:answered": _PUBLIC,
    # Booking online on the same link (tandem.booking.public), behind the same date of birth.
    "selfbook:tests": _PUBLIC,
    "selfbook:conversation": _PUBLIC,
    "selfbook:check": _PUBLIC,
    "selfbook:done": _PUBLIC,
    "selfbook:yours": _PUBLIC,
    "selfbook:change_tests": _PUBLIC,
    "selfbook:change_conversation": _PUBLIC,
    "selfbook:cancel_tests": _PUBLIC,
    "selfbook:cancel_conversation": _PUBLIC,
    "selfbook:call_me": _PUBLIC,
    "plan_online:read": _PUBLIC,
    "plan_online:pdf": _PUBLIC,
    # The person's own Tandem (tandem.people, ADR 16): signing in with NHS login, being refused and
    # signing out need no account; their pages need the person signed in, and say only about them.
    "people:sign_in": _PUBLIC,
    "people:callback": _PUBLIC,
    "people:refused": _PUBLIC,
    "people:sign_out": _PUBLIC,
    "people:signed_out": _PUBLIC,
    "people:home": _both(Open.PERSON),
    # The person's own pages (ADR 16): whoever the session is for; results need P9 (tandem.people.rules.may).
    **{f"people:{name}": _both(Open.PERSON) for name in ("plan", "plan_version", "plan_pdf", "results", "result",
                                                         "appointments", "checkins", "goals", "contact")},
    # Carers (ADR 16 section 4): the person's page of who can see their pages; a carer choosing whose pages;
    # the carer's invitation from the email (open: it shows nothing about anyone).
    **{f"people:{name}": _both(Open.PERSON) for name in ("carers", "carer_new", "choose")},
    # Writes from the person's pages (ADR 16 stage 2b): answering a check-in, home readings, the agenda.
    **{f"people:{name}": _both(Open.PERSON) for name in ("checkin", "readings", "reading_new", "agenda")},
    # Booking from the person's pages (ADR 16 stage 2b): the booking flow's own steps (tandem.people.views.booking).
    **{f"people:{name}": _both(Open.PERSON) for name in ("book", "book_conversation", "book_check", "booked",
                                                          "change_appointment", "cancel_appointment")},
    "people:invitation": _PUBLIC,
    # Who is in the person's care team (tandem.careteam): part of reading their plan.
    "people:care_team": _both(Open.PERSON),
    # Staff pages for carers' access (tandem.people.views.staff): clinicians read who may act for a person
    # and what is hidden from carers; recording, ending, renewing access and hiding entries change the record.
    "carers:person": Access(read=Capability.VIEW_CLINICAL, change=Capability.EDIT_CLINICAL),
    "carers:new": _CLINICAL_EDIT,
    "carers:hidden": _CLINICAL_READ,
    "carers:hide": _CLINICAL_EDIT,
    "carers:show": _CLINICAL_EDIT,
    # The FHIR API (tandem.fhirapi): other providers' systems read with a bearer token, never the staff
    # session, so the table lets the request through and the view checks the token, its scopes and who
    # its user may see now (tandem.fhirapi.scope); requests without a good token are rate limited. What
    # the API says about itself is public. The OAuth token and revocation endpoints authenticate the
    # application themselves (django-oauth-toolkit) and are rate limited; the consent page is for staff
    # who may read clinical records, and a person can be chosen only among those they may see.
    **{f"fhirapi:{name}": _PUBLIC for name in ("metadata", "smart_configuration", "openapi", "read", "search",
                                                 "search_post", "token", "revoke", "unknown")},
    "fhirapi:authorize": _both(Open.CLINICAL_OR_CARE_TEAM),
    # The wider care team (tandem.careteam): a person's care team and the additions to their plan waiting for
    # review are clinical (adding or ending a member and deciding an addition change the record); the practice's
    # list of organisations outside it is read by anyone there and kept by the manager, as local services are.
    "careteam:person": _CLINICAL_READ,
    "careteam:add": _CLINICAL_EDIT,
    "careteam:end": _CLINICAL_EDIT,
    "careteam:accept": _CLINICAL_EDIT,
    "careteam:decline": _CLINICAL_EDIT,
    "careteam:waiting": _CLINICAL_READ,
    "careteam:organisations": _MEMBER,
    "careteam:organisation": Access(read=Open.MEMBER, change=Capability.MANAGE_PRACTICE),
    "careteam:organisation_new": _MANAGE,
    "careteam:professional_new": _MANAGE,
    "careteam:professional_left": _MANAGE,
    # A professional of an organisation outside the practice: their people (only those whose care team they are
    # in; the view finds anyone else not there), a person's shared plan, adding to it and withdrawing an addition.
    "careteam:mine": _both(Open.CARE_TEAM),
    "careteam:plan": _both(Open.CARE_TEAM),
    "careteam:add_to_plan": _both(Open.CARE_TEAM),
    "careteam:withdraw": _both(Open.CARE_TEAM),
    # Referrals to their organisation(s): the queue and one referral, accepted, rejected, started, completed there
    # (the view finds a referral to any other organisation not there).
    "careteam:referrals": _both(Open.CARE_TEAM),
    "careteam:referral": _both(Open.CARE_TEAM),
}


def decide(need: Need, *, signed_in: bool, has_practice: bool, roles: frozenset[Role] | set[Role],
           leads_a_group: Callable[[], bool] | bool = False, person: bool = False,
           works_for_provider: Callable[[], bool] | bool = False) -> Decision:
    """Whether a request with this need may go ahead, or where it should go instead. `leads_a_group` is
    asked only for a group lead's page (a callable, so other pages never pay for the read); `works_for_provider`
    likewise only for a care team professional's page. `person`:
    a person is signed in to their own Tandem; only their pages open for it, and only for it."""
    if need is Open.PUBLIC:
        return Decision.ALLOW
    if need is Open.PERSON:
        return Decision.ALLOW if person else Decision.PERSON_SIGN_IN
    if not signed_in:
        return Decision.SIGN_IN
    if need is Open.SIGNED_IN:
        return Decision.ALLOW
    if need is Open.GROUP_LEAD:
        leads = leads_a_group() if callable(leads_a_group) else leads_a_group
        return Decision.ALLOW if leads else Decision.FORBIDDEN
    if need in (Open.CARE_TEAM, Open.CLINICAL_OR_CARE_TEAM):
        works = works_for_provider() if callable(works_for_provider) else works_for_provider
        if works or need is Open.CARE_TEAM:
            return Decision.ALLOW if works else Decision.FORBIDDEN
        need = Capability.VIEW_CLINICAL
    if need is Open.MANAGER_OR_GROUP_LEAD:
        if has_practice and can(roles, Capability.MANAGE_PRACTICE):
            return Decision.ALLOW
        if leads_a_group() if callable(leads_a_group) else leads_a_group:
            return Decision.ALLOW
        return Decision.FORBIDDEN if has_practice else Decision.CHOOSE_PRACTICE
    if not has_practice:
        return Decision.CHOOSE_PRACTICE
    if need is Open.MEMBER or can(roles, need):
        return Decision.ALLOW
    return Decision.FORBIDDEN


def may_close_task(roles: frozenset[Role] | set[Role], *, user_id: int, to_user_id: int | None, to_role: str) -> bool:
    """A task from a care plan is closed by whom it is for (the person, or anyone in the role when it was
    given to a role), or by the practice manager, who shares out the team's work when someone is away."""
    if Role.MANAGER in {Role(r) for r in roles}:
        return True
    if to_user_id is not None:
        return to_user_id == user_id
    return bool(to_role) and to_role in {Role(r).value for r in roles}

"""The person's own pages (read only): their plan and its earlier versions, results, appointments,
check-ins, goals, and who to contact. Each URL means "whoever this session is for" (`request.person`,
set by people.session): nothing in a path names a person, and every read goes through
`people.queries`, which starts from `request.person`. Every page is audited as the person's read,
sent `no-store`, and needs no JavaScript.

Results are record-derived data: they need the level `people.rules.may` asks for them (P9, ADR 16
section 2); a P5 session is sent to prove who they are (step-up) and the other pages stay open.
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tandem.careplans.actions import written as written_pdfs
from tandem.careplans.presenters import written as written_plans
from tandem.careteam import presenters as careteam_presenters
from tandem.careteam import queries as careteam_queries
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.messaging import letters
from tandem.patients.presenters.base import named_clinician_text
from tandem.prepare.rules.pack import SHOWN

from .. import presenters, queries
from ..rules import Purpose, allows, may


def person_page(purpose: Purpose, *, methods=("GET",)):
    """A page of `purpose`, only for a session that is someone's (the access table sends anyone else to
    sign in first; 404 here if one ever got through). A carer who has not chosen whose Tandem goes to
    choose; a carer whose grant does not cover `purpose` gets the "not included in your access" page
    (403), which shows nothing of the person's. Never kept by a browser or proxy."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            viewer = getattr(request, "person", None)
            if viewer is None:
                raise Http404("Nobody is signed in.")
            if viewer.choosing:
                return redirect("people:choose")
            if not allows(viewer.grant, purpose):
                return render(request, "people/pages/not_included.jinja", presenters.frame(viewer), status=403)
            return view(request, viewer, *args, **kwargs)

        return never_cache(require_http_methods(list(methods))(wrapped))

    return decorate


def _page(request, viewer, template: str, **values):
    return render(request, f"people/pages/{template}.jinja", {**presenters.frame(viewer), **values})


# --- The plan ------------------------------------------------------------------------------------

def _plan_page(request, viewer, version, *, latest: int):
    queries.read(viewer, what="people.plan", object_id=version.pk, detail={"version": version.version})
    return _page(request, viewer, "plan", plan=presenters.plan(viewer, version), number=version.version,
                 latest=version.version == latest,
                 versions=presenters.versions(queries.version_numbers(viewer), shown=version.version))


@person_page(Purpose.PLAN)
def plan(request, viewer):
    version = queries.current_version(viewer)
    if version is None:
        queries.read(viewer, what="people.plan", detail={"version": None})
        return _page(request, viewer, "no_plan")
    return _plan_page(request, viewer, version, latest=version.version)


@person_page(Purpose.PLAN)
def plan_version(request, viewer, number: int):
    version = queries.version(viewer, number)
    return _plan_page(request, viewer, version, latest=version.plan.version)


@person_page(Purpose.PLAN)
def plan_pdf(request, viewer):
    """The plan as a PDF to keep: the current version, or `?version=<n>`; `?print=large` for large print."""
    variant = presenters.PRINTS.get(request.GET.get("print", "standard"))
    if variant is None:
        raise Http404("No such print size.")
    wanted = request.GET.get("version", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404("No such version of your plan.")
        version = queries.version(viewer, int(wanted))
    else:
        version = queries.current_version(viewer)
        if version is None:
            raise Http404("You do not have a care plan yet.")
    hidden = queries.hidden(viewer)
    if hidden.plan_parts:  # a carer, with parts hidden from carers: made for them now, never kept
        shown = presenters.redacted(written_plans.written(version, viewer.patient, viewer.practice), hidden)
        document = written_plans.document_html(shown, practice=viewer.practice, patient=viewer.patient,
                                               variant=variant, today=clock.today())
        pdf, _pages = letters.to_pdf(document)
    else:
        pdf = bytes(written_pdfs.pdf_for(version=version, patient=viewer.patient, practice=viewer.practice,
                                         variant=variant, by=None).pdf)
    queries.read(viewer, what="people.plan.pdf", action=AuditEvent.Action.EXPORT, object_id=version.pk,
                 detail={"version": version.version, "format": variant})
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = "-large-print" if variant == "large_print" else ""
    response["Content-Disposition"] = f'attachment; filename="my-care-plan-version-{version.version}{suffix}.pdf"'
    return response


# --- Results -------------------------------------------------------------------------------------

def _needs_proof(viewer):
    """A session not proved to the level results need goes to NHS login to prove it (step-up)."""
    if may(viewer.level, Purpose.RESULTS):
        return None
    return redirect(reverse("people:sign_in") + f"?for={Purpose.RESULTS.value}")


@person_page(Purpose.RESULTS)
def results(request, viewer):
    refused = _needs_proof(viewer)
    if refused is not None:
        return refused
    page = presenters.results(viewer, queries.results(viewer))
    queries.read(viewer, what="people.results", detail={"withheld": bool(page.withheld)})
    return _page(request, viewer, "results", page=page)


@person_page(Purpose.RESULTS)
def result(request, viewer, measure: str):
    if measure not in SHOWN:
        raise Http404("No such measurement.")
    refused = _needs_proof(viewer)
    if refused is not None:
        return refused
    page = presenters.results(viewer, queries.results(viewer))
    shown = presenters.measure_of(page, measure)
    if shown is None and measure not in page.withheld_keys:
        raise Http404("No results for this yet.")
    queries.read(viewer, what="people.results", object_id=measure, detail={"withheld": shown is None})
    return _page(request, viewer, "result", page=page, result=shown, history=page.history.get(measure, ()),
                 measure=measure)


# --- Appointments, check-ins, goals, contact ------------------------------------------------------

@person_page(Purpose.APPOINTMENTS)
def appointments(request, viewer):
    from .booking import online  # here: people.views.booking imports person_page from this module

    booked, talks = queries.appointments(viewer)
    queries.read(viewer, what="people.appointments")
    return _page(request, viewer, "appointments",
                 appointments=presenters.appointments(booked, talks, practice_name=viewer.practice.name),
                 online=online(viewer))


@person_page(Purpose.CHECKINS)
def checkins(request, viewer):
    page = presenters.checkins(queries.checkins(viewer), next_on=queries.next_checkin_on(viewer))
    queries.read(viewer, what="people.checkins")
    return _page(request, viewer, "checkins", checkins=page)


@person_page(Purpose.PLAN)
def goals(request, viewer):
    version = queries.current_version(viewer)
    written = presenters.plan(viewer, version) if version is not None else None
    ids = presenters.goal_ids(version) if version is not None else ()
    queries.read(viewer, what="people.goals", object_id=version.pk if version is not None else "")
    return _page(request, viewer, "goals", goals=presenters.goals(written, ids, queries.goal_ratings(viewer)),
                 reached=written.reached if written is not None else ())


@person_page(Purpose.PLAN)
def contact(request, viewer):
    version = queries.current_version(viewer)
    written = presenters.plan(viewer, version) if version is not None else None
    queries.read(viewer, what="people.contact")
    return _page(request, viewer, "contact", contact=presenters.contact(viewer, queries.patient(viewer), written))


@person_page(Purpose.PLAN)
def care_team(request, viewer):
    """Who is in their care team: the named clinician at the practice, and the professionals and teams outside
    it that the practice added with their agreement (tandem.careteam)."""
    patient = queries.patient(viewer)
    queries.read(viewer, what="people.care_team")
    return _page(request, viewer, "care_team", named=named_clinician_text(patient) if patient.named_clinician_id
                 else "", members=[careteam_presenters.member_card(m) for m in careteam_queries.members_of(patient)])


urlpatterns = [
    path("plan/", plan, name="plan"),
    path("plan/versions/<int:number>/", plan_version, name="plan_version"),
    path("plan.pdf", plan_pdf, name="plan_pdf"),
    path("results/", results, name="results"),
    path("results/<slug:measure>/", result, name="result"),
    path("appointments/", appointments, name="appointments"),
    path("check-ins/", checkins, name="checkins"),
    path("goals/", goals, name="goals"),
    path("care-team/", care_team, name="care_team"),
    path("contact/", contact, name="contact"),
]

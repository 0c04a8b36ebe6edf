"""The written care plan: the staff page (the latest version or an earlier one, what changed since
the version before, the versions with who saved them and when, copies given), the plan as an A4 PDF
(standard or large print; made once per version and format and kept, see actions/written.py),
sending the latest version to the person and a carer through the outbox (actions/sending.py), and
recording how and when a copy was given by hand.

Every URL takes one patient id; a version number comes as `?version=N`. Another practice's patient,
or a version that does not exist, is not found. Viewing is audited as a view of "careplans.plan",
downloading a PDF as an export (with the version and format).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import SHORT_YEAR, read_date, read_id
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability
from tandem.messaging import presenters as outbox
from tandem.patients.models import Patient
from tandem.patients.presenters import banner
from tandem.patients.queries import patients_of, with_named_clinician

from .. import actions, queries
from ..actions import sending
from ..actions import written as written_pdfs
from ..models import CopyGiven, PlanVersion
from ..presenters import tasks as task_presenters
from ..presenters.written import FORMATS, clinician_of, document_html, sending_options, written  # noqa: F401 (used by scripts)
from ..queries import tasks as task_queries
from ..rules import changes

WHAT = "careplans.plan"


# --- Reading -----------------------------------------------------------------------------------

def _patient(request, patient_id: int) -> Patient:
    """The patient in this practice, or not found (the same for another practice's patient)."""
    try:
        return with_named_clinician(patients_of(request.practice)).get(pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404("No such patient in this practice") from None


def _wanted_version(value: str | None) -> int | None:
    """?version=N as a number; no version: None (the latest); anything else is not found."""
    if not value:
        return None
    number = read_id(value)
    if number is None:
        raise Http404("No such version")
    return number


def _chosen(versions: list[PlanVersion], wanted: int | None) -> PlanVersion | None:
    if not versions:
        if wanted is not None:
            raise Http404("No such version")
        return None
    if wanted is None:
        return versions[0]
    found = next((v for v in versions if v.version == wanted), None)
    if found is None:
        raise Http404("No such version")
    return found


# --- The staff page ------------------------------------------------------------------------------

def _copy_text(copy: CopyGiven, *, now: dt.datetime) -> dict:
    """A copy given as staff read it: how, to whom, when, by whom, and for one the outbox sent, the
    message's state now (waiting to send, sent, needs checking) with a link to it."""
    on = f"{copy.on.day} {copy.on:%B %Y}"
    if copy.message_id is None:
        by = f", recorded by {copy.recorded_by.display_name}" if copy.recorded_by else ""
        return {"text": f"{copy.get_how_display()} on {on}{by}", "state": "", "url": ""}
    by = f" by {copy.recorded_by.display_name}" if copy.recorded_by else ""
    to = f" to {copy.to_name}" + (" (their carer; they agreed)" if copy.carer_agreed else "")
    how = sending.CHANNEL_WORDS.get(copy.message.channel, copy.get_how_display()) if copy.message else ""
    if copy.message and copy.message.channel == "letter":
        how += f" ({sending.FORMAT_WORDS.get(copy.message.variant, 'standard print')})"
    state = outbox.state_label(copy.message, now=now)[0] if copy.message else ""
    return {"text": f"Sent {how}{to} on {on}{by}", "state": state,
            "url": reverse("messaging:message", args=[copy.message_id]) if copy.message else ""}


def _saved(version: PlanVersion) -> str:
    when = timezone.localtime(version.created_at).date()
    by = f" by {version.created_by.display_name}" if version.created_by else ""
    return f"{when.day} {when:%B %Y}{by}"


def _page(request, patient: Patient, *, wanted: int | None, form: dict | None = None, status: int = 200,
          send_form: dict | None = None):
    versions = queries.history(request.practice, patient)
    chosen = _chosen(versions, wanted)
    today = clock.today()
    context = {
        "banner": banner(patient, today=today), "patient_id": patient.pk, "active_section": "patients",
        "chosen": None, "versions": [], "formats": FORMATS,
    }
    if chosen is None:
        audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what=WHAT,
                     patient_id=patient.pk, detail={"version": 0})
        return render(request, "careplans/written/plan.jinja", context, status=status)
    # copies with who recorded them and the message that sent them (not its words)
    copies = CopyGiven.objects.select_related("recorded_by", "message").defer("message__body", "message__letter_html")
    prefetch_related_objects(versions, Prefetch("copies", queryset=copies), "conversation__clinician")
    previous = next((v for v in versions if v.version < chosen.version), None)
    now = clock.now()
    rows = [{
        "number": v.version, "saved": _saved(v), "note": v.note, "latest": v is versions[0],
        "chosen": v is chosen, "url": reverse("careplans:plan", args=[patient.pk]) + f"?version={v.version}",
        "copies": [_copy_text(c, now=now) for c in sorted(v.copies.all(), key=lambda c: (c.on, c.pk), reverse=True)],
    } for v in versions]
    send_form = send_form or {}
    form = form or {}
    on = form.get("on") or today
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what=WHAT,
                 patient_id=patient.pk, object_id=chosen.pk, detail={"version": chosen.version})
    context.update(
        chosen=chosen, latest=versions[0], count=len(versions), rows=rows,
        chosen_row=next(r for r in rows if r["chosen"]),
        plan=written(chosen, patient, request.practice), previous=previous,
        previous_saved=_saved(previous) if previous else "",
        changes=changes.between(queries.plan_of(previous), queries.plan_of(chosen)) if previous else None,
        pdf_url=reverse("careplans:plan_pdf", args=[patient.pk]) + f"?version={chosen.version}",
        how_items=[{"value": value, "text": label, "checked": value == form.get("how")}
                   for value, label in CopyGiven.How.choices if value != CopyGiven.How.EMAIL or patient.email],
        on_values=form.get("on_values") or {"day": str(on.day), "month": str(on.month), "year": str(on.year)},
        errors=form.get("errors", {}),
        form_errors=list(form.get("errors", {}).values()) + list((send_form or {}).get("errors", {}).values()),
        today=today,
        send=sending_options(patient, form=send_form.get("values")) if chosen is versions[0] else None,
        send_errors=send_form.get("errors", {}),
        # Every task from the person's plans, finished ones too: their history of care from the team.
        tasks=task_presenters.rows(task_queries.of_patient(request.practice, patient), today=today),
    )
    return render(request, "careplans/written/plan.jinja", context, status=status)


@practice_required(Capability.VIEW_CLINICAL)
def plan(request, patient_id: int):
    patient = _patient(request, patient_id)
    return _page(request, patient, wanted=_wanted_version(request.GET.get("version")))


# --- Sending the plan home -----------------------------------------------------------------------

SEND_FIELDS = ("channel", "variant", "carer", "carer_channel", "carer_agreed")


@practice_required(Capability.VIEW_CLINICAL)
def send(request, patient_id: int):
    """Send the latest version (POST): to the person by email, letter or text, and if chosen a copy to
    a carer they have agreed may have one. Queued through the outbox and recorded as copies given."""
    patient = _patient(request, patient_id)
    if request.method != "POST":
        return redirect(reverse("careplans:plan", args=[patient.pk]) + "#send")
    versions = queries.history(request.practice, patient)
    version = _chosen(versions, _wanted_version(request.POST.get("version")))
    if version is None:
        messages.info(request, "There is no saved care plan yet, so there is nothing to send.")
        return redirect("careplans:plan", patient_id=patient.pk)
    values = {name: (request.POST.get(name) or "").strip()[:20] for name in SEND_FIELDS}
    # one "they have agreed" box per carer: only the chosen carer's counts
    values["carer_agreed"] = values["carer"] if values["carer"] in request.POST.getlist("carer_agreed")[:50] else ""
    errors: dict[str, str] = {}
    carer = None
    if values["carer"]:
        carer_id = read_id(values["carer"])
        carer = next((c for c in sending.carers(patient) if c.pk == carer_id), None)
        if carer is None:
            errors["carer"] = "Choose one of the person's carers, or not to send a copy to a carer"
    if not errors:
        try:
            sent = sending.send_plan(
                version=version, patient=patient, practice=request.practice, by=request.user,
                channel=values["channel"], variant=values["variant"], carer=carer,
                carer_channel=values["carer_channel"] if carer else "",
                carer_agreed=carer is not None and values["carer_agreed"] == str(carer.pk))
        except PermissionError:
            raise Http404("No such plan version") from None
        except sending.SendError as exc:
            errors[exc.field or "channel"] = str(exc)
    if errors:
        return _page(request, patient, wanted=version.version, status=400,
                     send_form={"values": values, "errors": errors})
    new = [s.text() for s in sent if s.new]
    already = [s.text() for s in sent if not s.new]
    words = []
    if new:
        words.append(f"In the outbox to send: {'; '.join(new)}.")
    if already:
        words.append(f"Already in the outbox, so not sent again: {'; '.join(already)}.")
    messages.success(request, " ".join(words) + " Copies given are recorded below.")
    return redirect(reverse("careplans:plan", args=[patient.pk]) + "#copies")


@practice_required(Capability.VIEW_CLINICAL)
def plan_pdf(request, patient_id: int):
    patient = _patient(request, patient_id)
    variant = request.GET.get("format") or "standard"
    if variant not in FORMATS:
        raise Http404("No such format")
    versions = queries.history(request.practice, patient)
    chosen = _chosen(versions, _wanted_version(request.GET.get("version")))
    if chosen is None:
        messages.info(request, "There is no saved care plan to print yet.")
        return redirect("careplans:plan", patient_id=patient.pk)
    kept = written_pdfs.pdf_for(version=chosen, patient=patient, practice=request.practice, variant=variant,
                                by=request.user)
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.EXPORT, what=WHAT,
                 patient_id=patient.pk, object_id=chosen.pk, detail={"version": chosen.version, "format": variant})
    response = HttpResponse(bytes(kept.pdf), content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    suffix = "-large-print" if variant == "large_print" else ""
    response["Content-Disposition"] = f'{disposition}; filename="care-plan-{patient.pk}-v{chosen.version}{suffix}.pdf"'
    return response


# --- Recording a copy given ------------------------------------------------------------------------

def _date_from(data, prefix: str) -> tuple[dt.date | None, str]:
    """A date from the three boxes of an NHS.UK date input (named `on[day]` and so on); (None, "")
    when all are empty."""
    read = read_date(*(data.get(f"{prefix}[{p}]") for p in ("day", "month", "year")),
                     label="The date the copy was given", example=dt.date(2026, 6, 23))
    if read.problem == SHORT_YEAR:
        return None, "Enter the year in full, like 2026"
    return read.value, read.error


@practice_required(Capability.VIEW_CLINICAL)
def copy_given(request, patient_id: int):
    """Record a copy given (POST); another practice's patient is not found, whatever the method."""
    patient = _patient(request, patient_id)
    if request.method != "POST":
        return redirect(reverse("careplans:plan", args=[patient.pk]) + "#copies")
    wanted = _wanted_version(request.POST.get("version"))
    versions = queries.history(request.practice, patient)
    version = _chosen(versions, wanted)
    if version is None:
        messages.info(request, "There is no saved care plan yet, so no copy can be recorded.")
        return redirect("careplans:plan", patient_id=patient.pk)
    how = request.POST.get("how", "")
    errors: dict[str, str] = {}
    if how not in CopyGiven.How.values:
        errors["how"] = "Choose how the copy was given"
    elif how == CopyGiven.How.EMAIL and not patient.email:
        errors["how"] = (f"{patient.given_name} has no email address on record, so a copy cannot have been emailed. "
                         "Choose how it was given")
    on, problem = _date_from(request.POST, "on")
    if problem:
        errors["on"] = problem
    elif on is None:
        errors["on"] = "Enter the date the copy was given"
    elif on > clock.today():
        errors["on"] = "The date the copy was given cannot be in the future"
    if not errors:
        try:
            actions.record_copy_given(version=version, by=request.user, how=how, on=on)
        except ValueError as exc:
            errors["on"] = str(exc)
    if errors:
        values = {p: (request.POST.get(f"on[{p}]") or "").strip()[:10] for p in ("day", "month", "year")}
        return _page(request, patient, wanted=version.version, status=400,
                     form={"how": how, "on_values": values, "errors": errors})
    messages.success(request, f"Recorded: {CopyGiven.How(how).label.lower()}, version {version.version}.")
    return redirect(reverse("careplans:plan", args=[patient.pk]) + f"?version={version.version}#copies")


urlpatterns = [
    path("<id:patient_id>/plan/", plan, name="plan"),
    path("<id:patient_id>/plan.pdf", plan_pdf, name="plan_pdf"),
    path("<id:patient_id>/plan/copies/", copy_given, name="copy_given"),
    path("<id:patient_id>/plan/send/", send, name="plan_send"),
]

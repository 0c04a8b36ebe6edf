"""Staff pages for the person's agenda: typing in a returned paper sheet (or what they said by
phone), and every version of their reply. The latest reply is shown first on the conversation page
through the partial prepare/agenda/_agenda.jinja.

Administrators type in returned sheets, so these pages need only VIEW_PATIENT.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from tandem.core.parsing import read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability

from ..actions import agenda as actions
from ..models import Agenda, Conversation
from ..queries import agenda as queries
from ..queries.packs import get_conversation

SECTION = "prepare"
VIA_CHOICES = [(Agenda.Via.PAPER, "Paper sheet, returned by post or by hand"), (Agenda.Via.PHONE, "By phone")]
FROM_CHOICES = [(Agenda.From.PERSON, "The person"),
                (Agenda.From.CARER, "Someone helping them, for example a carer or family member")]


def _when(conversation: Conversation) -> str:
    starts = timezone.localtime(conversation.starts_at)
    hour = starts.strftime("%I").lstrip("0") or "12"
    minutes = starts.strftime(":%M") if starts.minute else ""
    return f"{starts.strftime('%A')} {starts.day} {starts.strftime('%B %Y')} at {hour}{minutes}{starts.strftime('%p').lower()}"


@practice_required(Capability.VIEW_PATIENT)
def paper(request, pk: int):
    """Type in a paper reply. The form carries the version it started from; if a reply arrived
    meanwhile, both are shown and nothing is saved until the staff member has seen it."""
    practice = request.practice
    conversation = get_conversation(practice=practice, pk=pk, by=request.user, what="prepare.agenda.paper")
    latest = queries.latest_agenda(practice, conversation)
    prompts = queries.prompts(practice)
    reply, errors, conflict, status = actions.Reply(), {}, [], 200
    via = Agenda.Via.PAPER
    based_on = latest.version if latest else 0
    if request.method == "POST":
        via = request.POST.get("via", "")
        started = request.POST.get("based_on", "")
        checked = actions.check_reply(request.POST, topics=prompts.topics,
                                      known_topics=latest.topics if latest else ())
        reply, errors = checked.reply, dict(checked.errors)
        if via not in dict(VIA_CHOICES):
            errors = {"via": "Choose how the reply reached us", **errors}
        based_on_read = read_version(started)
        if based_on_read is None:
            errors["what_matters"] = "This form is out of date. Type the reply in again."
        if not errors:
            try:
                actions.record_agenda(conversation=conversation, reply=reply, via=via, by=request.user,
                                      expected_version=based_on_read)
            except actions.AgendaConflict as exc:
                latest = queries.latest_agenda(practice, conversation)
                based_on = latest.version if latest else 0
                conflict, status = exc.since, 409
                if not conflict:
                    errors["what_matters"] = "This form is out of date. Check what you typed and save it again."
            except actions.AgendaError as exc:
                errors["what_matters"] = str(exc)
            else:
                messages.success(request, "The reply is saved. It is shown first on the conversation page.")
                return redirect(reverse("prepare:conversation", kwargs={"pk": conversation.pk}) + "#agenda")
        else:
            based_on = based_on_read if based_on_read is not None else based_on
        status = 400 if errors else status
    error_list = [{"text": message, "href": f"#{name}"} for name, message in errors.items()]
    if conflict:
        error_list.insert(0, {"text": "Another reply arrived while you were typing: check it before saving yours",
                              "href": "#conflict"})
    return render(request, "prepare/agenda/paper.jinja", {
        "active_section": SECTION, "conversation": conversation, "patient_name": conversation.patient.full_name,
        "when": _when(conversation), "agenda": latest, "conflict": conflict, "based_on": based_on,
        "prompts": prompts, "topics": [*prompts.topics, *[t for t in reply.topics if t not in prompts.topics]],
        "reply": reply, "errors": errors, "error_list": error_list,
        "form_errors": [e["text"] for e in error_list], "limits": actions.LIMITS, "from_choices": FROM_CHOICES,
        "via_choices": VIA_CHOICES, "via": via,
    }, status=status)


@practice_required(Capability.VIEW_PATIENT)
def history(request, pk: int):
    """Every version of the person's reply, latest first."""
    conversation = get_conversation(practice=request.practice, pk=pk, by=request.user, what="prepare.agenda.history")
    return render(request, "prepare/agenda/history.jinja", {
        "active_section": SECTION, "conversation": conversation, "patient_name": conversation.patient.full_name,
        "versions": queries.agenda_history(request.practice, conversation),
    })


urlpatterns = [
    path("conversations/<id:pk>/agenda/", history, name="agenda_history"),
    path("conversations/<id:pk>/agenda/paper/", paper, name="agenda_paper"),
]

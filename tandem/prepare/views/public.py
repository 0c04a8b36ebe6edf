"""The person's own pages, reached from the link in their pack: no account, no sign-in.

    /r/<token>/        date of birth first: the link alone never shows anything about the person
    /r/<token>/pack/   their pack as it was sent, and their reply so far
    /r/<token>/reply/  what they want to talk about (a new version each time they send it)
    /r/<token>/sent/   what they sent, and that they can change it until the appointment

The session holds only the pack's id and when that permission ends, never the token. Every page
here is sent with no-store, noindex and a referrer policy that never sends the address (which holds
the token) to another site. The policy is "same-origin", not "no-referrer": with "no-referrer"
browsers send `Origin: null` on the forms' POSTs, which Django's CSRF check rightly refuses. A link that is
unknown answers 404, one that has expired or been locked answers 410; none of them says more than
"this link does not work" and who to call.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import wraps

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_protect
from markupsafe import Markup

from tandem.core import clock

from ..actions import agenda as agenda_actions
from ..models import Agenda, Pack
from ..queries import agenda as queries
from ..rules import links

SESSION_KEY = "tandem_reply"
REFERRER_POLICY = "same-origin"
SESSION_MINUTES = 60  # from the last page they opened; the date of birth is asked again after that
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)

FROM_CHOICES = [
    (Agenda.From.PERSON, "I am the person the appointment is for"),
    (Agenda.From.CARER, "I am helping them, for example as their carer or family"),
]
SENT_BY = {Agenda.From.PERSON: "The person the appointment is for", Agenda.From.CARER: "Someone helping them"}


def public_page(view):
    """Headers every reply page carries, whatever it answers."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        # The address holds the token: never send it to another site (see the module docstring).
        response["Referrer-Policy"] = REFERRER_POLICY
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return csrf_protect(wrapped)


def _phone_words(practice) -> str:
    return f"{practice.name} on {practice.phone}" if practice.phone else practice.name


def _gone(request, pack: Pack | None, state: links.LinkState | None = None) -> HttpResponse:
    """The page for a link that does not work: unknown (404), expired or locked (410)."""
    locked = state is links.LinkState.LOCKED
    return render(request, "prepare/public/gone.jinja", {
        "practice": pack.practice if pack is not None else None,
        "phone_words": _phone_words(pack.practice) if pack is not None else "",
        "locked": locked, "expired": state is links.LinkState.EXPIRED,
    }, status=404 if pack is None else 410)


def _open_pack(token: str) -> tuple[Pack | None, links.LinkState | None]:
    pack = queries.pack_for_token(token)
    if pack is None:
        return None, None
    return pack, queries.link_state(pack, now=clock.now())


def _allowed(request, pack: Pack) -> bool:
    """Whether this browser gave the right date of birth for this pack recently (and keep it so)."""
    held = request.session.get(SESSION_KEY) or {}
    if held.get("pack") != pack.pk:
        return False
    try:
        until = dt.datetime.fromisoformat(held.get("until", ""))
    except (TypeError, ValueError):
        return False
    now = clock.now()
    if now >= until:
        request.session.pop(SESSION_KEY, None)
        return False
    _allow(request, pack)
    return True


def _allow(request, pack: Pack) -> None:
    until = min(clock.now() + dt.timedelta(minutes=SESSION_MINUTES), pack.link_expires_at)
    request.session[SESSION_KEY] = {"pack": pack.pk, "until": until.isoformat()}


def _guarded(view):
    """A page behind the date of birth: the link must work and this browser must have given it."""
    @wraps(view)
    def wrapped(request, token: str):
        pack, state = _open_pack(token)
        if pack is None or state is not links.LinkState.OPEN:
            return _gone(request, pack, state)
        if not _allowed(request, pack):
            return redirect(reverse("reply:start", args=[token]))
        return view(request, token, pack)

    return public_page(wrapped)


def _context(pack: Pack | None, **extra) -> dict:
    return {"practice": pack.practice if pack is not None else None,
            "phone_words": _phone_words(pack.practice) if pack is not None else "", **extra}


def _when(pack: Pack) -> str:
    """'Tuesday 23 June at 10:30am': when the conversation is."""
    starts = timezone.localtime(pack.conversation.starts_at)
    hour = starts.strftime("%I").lstrip("0") or "12"
    minutes = starts.strftime(":%M") if starts.minute else ""
    return f"{starts.strftime('%A')} {starts.day} {starts.strftime('%B')} at {hour}{minutes}{starts.strftime('%p').lower()}"


@public_page
def start(request, token: str):
    """Ask for the date of birth; on the right one, remember this pack in the session."""
    pack, state = _open_pack(token)
    if pack is None or state is not links.LinkState.OPEN:
        return _gone(request, pack, state)
    values = {"day": "", "month": "", "year": ""}
    error = ""
    if request.method == "POST":
        values = {k: request.POST.get(f"dob[{k}]", "")[:10] for k in values}
        born, error = links.parse_date(values["day"], values["month"], values["year"], today=clock.today())
        if not error:
            check = agenda_actions.check_date_of_birth(pack=pack, date_of_birth=born)
            if check.locked:
                return _gone(request, pack, links.LinkState.LOCKED)
            if check.right:
                request.session.cycle_key()
                _allow(request, pack)
                return redirect(reverse("reply:pack", args=[token]))
            tries = "1 more try" if check.tries_left == 1 else f"{check.tries_left} more tries"
            error = (f"The date of birth does not match our records. Check it and try again. You have {tries} "
                     "before this link is locked.")
    elif _allowed(request, pack):
        return redirect(reverse("reply:pack", args=[token]))
    return render(request, "prepare/public/start.jinja", _context(
        pack, values=values, error=error, form_errors=[error] if error else []), status=400 if error else 200)


def _latest(pack: Pack) -> Agenda | None:
    return queries.latest_for_pack(pack)


@_guarded
def pack_page(request, token: str, pack: Pack):
    """The pack as it was sent, with their reply so far."""
    queries.audit_pack_viewed_online(pack)
    html = pack.html or ""
    body = _BODY.search(html)
    # The pack's HTML was rendered by Tandem's own templates when it was sent, with everything a
    # person or clinician typed escaped then; it is shown as it was sent.
    content = Markup(body.group(1) if body else html)  # noqa: S704
    now = clock.now()
    return render(request, "prepare/public/pack.jinja", _context(
        pack, token=token, content=content, agenda=_latest(pack), when=_when(pack),
        can_change=queries.can_change_reply(pack, now=now)))


def _form_context(pack: Pack, *, token: str, reply: agenda_actions.Reply, errors: dict[str, str]) -> dict:
    prompts = queries.prompts(pack.practice, pack.variant)
    known = [t for t in reply.topics if t not in prompts.topics]
    # each field's id is its name, so the error summary links straight to it
    error_list = [{"text": message, "href": f"#{name}"} for name, message in errors.items()]
    return _context(pack, token=token, prompts=prompts, topics=[*prompts.topics, *known], reply=reply,
                    errors=errors, error_list=error_list, form_errors=list(errors.values()),
                    from_choices=FROM_CHOICES, limits=agenda_actions.LIMITS, when=_when(pack))


@_guarded
def reply(request, token: str, pack: Pack):
    """The agenda form: a new version each time it is sent; prefilled with their latest reply."""
    now = clock.now()
    if not queries.can_change_reply(pack, now=now):
        return render(request, "prepare/public/closed.jinja", _context(pack, token=token), status=410)
    latest = _latest(pack)
    if request.method == "POST":
        prompts = queries.prompts(pack.practice, pack.variant)
        checked = agenda_actions.check_reply(request.POST, topics=prompts.topics,
                                             known_topics=latest.topics if latest else ())
        if checked.ok:
            try:
                agenda_actions.record_agenda(conversation=pack.conversation, reply=checked.reply,
                                             via=Agenda.Via.ONLINE, by=None)
            except agenda_actions.AgendaError as exc:
                checked.errors["what_matters"] = str(exc)
            else:
                return redirect(reverse("reply:sent", args=[token]))
        return render(request, "prepare/public/reply.jinja",
                      _form_context(pack, token=token, reply=checked.reply, errors=checked.errors), status=400)
    # A first reply starts with nothing chosen (not even who is replying); a later one with the latest.
    start_from = agenda_actions.Reply.of(latest) if latest else agenda_actions.Reply(from_who="")
    return render(request, "prepare/public/reply.jinja", _form_context(pack, token=token, reply=start_from, errors={}))


@_guarded
def sent(request, token: str, pack: Pack):
    """What they sent, and that they can change it until the appointment."""
    agenda = _latest(pack)
    if agenda is None:
        return redirect(reverse("reply:reply", args=[token]))
    return render(request, "prepare/public/sent.jinja", _context(
        pack, token=token, agenda=agenda, when=_when(pack),
        can_change=queries.can_change_reply(pack, now=clock.now()),
        from_label=SENT_BY.get(agenda.from_who, "")))


urlpatterns = [
    path("<str:token>/", start, name="start"),
    path("<str:token>/pack/", pack_page, name="pack"),
    path("<str:token>/reply/", reply, name="reply"),
    path("<str:token>/sent/", sent, name="sent"),
]

"""The person's own pages, reached from the link in their pack or invitation: no account, no sign-in.

    /r/                where a person types the short code printed on their letter
    /r/<key>/          date of birth first: the link alone never shows anything about the person.
                       <key> is the long token (emails, texts) or the short code (paper, QR code)
    /r/<key>/pack/     a pack's: their pack as it was sent, and their reply so far
    /r/<key>/reply/    a pack's: what they want to talk about (a new version each time they send it)
    /r/<key>/sent/     a pack's: what they sent, and that they can change it until the appointment
    /r/<key>/answer/   an invitation's: I will book / please call me / not this year (for staff to act on),
                       and what other rooms offer above the answers (ANSWER_OFFERS: booking online)
    /r/<key>/book/...  an invitation's: booking online (tandem.booking.public, behind the same guard)

One link mechanism (tandem.messaging.models.ReplyLink) for packs and invitations. The session holds
only the link's id and when that permission ends, never the token or the code. Every page
here is sent with no-store, noindex and a referrer policy that never sends the address (which holds
the token) to another site. The policy is "same-origin", not "no-referrer": with "no-referrer"
browsers send `Origin: null` on the forms' POSTs, which Django's CSRF check rightly refuses. A link that is
unknown answers 404, one that has expired or been locked answers 410; none of them says more than
"this link does not work" and who to call.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import wraps

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_protect
from markupsafe import Markup

from tandem.core import clock
from tandem.core.ratelimits import limit_all
from tandem.messaging import link_actions, links
from tandem.messaging import queries as messaging_queries
from tandem.messaging.models import ReplyLink
from tandem.messaging.wording import Words

from ..actions import agenda as agenda_actions
from ..models import Agenda, Pack
from ..queries import agenda as queries

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


def phone_words(practice) -> str:
    return f"{practice.name} on {practice.phone}" if practice.phone else practice.name


def gone(request, link: ReplyLink | None, state: links.LinkState | None = None) -> HttpResponse:
    """The page for a link that does not work: unknown (404), expired or locked (410)."""
    locked = state is links.LinkState.LOCKED
    return render(request, "prepare/public/gone.jinja", {
        "practice": link.practice if link is not None else None,
        "phone_words": phone_words(link.practice) if link is not None else "",
        "locked": locked, "expired": state is links.LinkState.EXPIRED,
        "invitation": link is not None and link.purpose == ReplyLink.Purpose.INVITATION,
    }, status=404 if link is None else 410)


@dataclass(frozen=True)
class Opened:
    link: ReplyLink | None
    state: links.LinkState | None
    pack: Pack | None = None

    @property
    def works(self) -> bool:
        return self.link is not None and self.state is links.LinkState.OPEN


def open_link(key: str) -> Opened:
    link = messaging_queries.link_for_key(key, code_key=link_actions.code_key())
    if link is None:
        return Opened(None, None)
    now = clock.now()
    if link.purpose == ReplyLink.Purpose.PACK:
        pack = queries.pack_for_link(link)
        return Opened(link, queries.link_state(link, pack, now=now), pack)
    return Opened(link, messaging_queries.link_state(link, now=now))


def allowed(request, link: ReplyLink) -> bool:
    """Whether this browser gave the right date of birth for this link recently (and keep it so)."""
    held = request.session.get(SESSION_KEY) or {}
    if held.get("link") != link.pk:
        return False
    try:
        until = dt.datetime.fromisoformat(held.get("until", ""))
    except (TypeError, ValueError):
        return False
    now = clock.now()
    if now >= until:
        request.session.pop(SESSION_KEY, None)
        return False
    _allow(request, link)
    return True


def _allow(request, link: ReplyLink) -> None:
    until = min(clock.now() + dt.timedelta(minutes=SESSION_MINUTES), link.expires_at)
    request.session[SESSION_KEY] = {"link": link.pk, "until": until.isoformat()}


def guarded(purpose: str):
    """A page behind the date of birth: the link must work, be for `purpose`, and this browser must
    have given the date of birth. Also guards other rooms' pages on the same link (tandem.booking's
    self-booking): the view gets the pack (or the link) after the token, then its own arguments."""
    def decorate(view):
        @wraps(view)
        def wrapped(request, token: str, **kwargs):
            opened = open_link(token)
            if not opened.works:
                return gone(request, opened.link, opened.state)
            if opened.link.purpose != purpose:
                return redirect(reverse("reply:start", args=[token]))
            if not allowed(request, opened.link):
                return redirect(reverse("reply:start", args=[token]))
            return view(request, token, opened.pack if purpose == ReplyLink.Purpose.PACK else opened.link, **kwargs)

        return public_page(wrapped)
    return decorate


def context(pack: Pack | ReplyLink | None, **extra) -> dict:
    return {"practice": pack.practice if pack is not None else None,
            "phone_words": phone_words(pack.practice) if pack is not None else "", **extra}


# The page a link opens on once the date of birth is given, by purpose. A written plan's and a
# check-in's pages are other rooms' (tandem.careplans.public, tandem.checkins.public), named here only
# by their URL names.
FIRST_PAGES = {
    ReplyLink.Purpose.PACK: "reply:pack",
    ReplyLink.Purpose.INVITATION: "reply:answer",
    ReplyLink.Purpose.PLAN: "plan_online:read",
    ReplyLink.Purpose.CHECKIN: "checkin_online:form",
    ReplyLink.Purpose.SURVEY: "survey_online:form",
}


def _first_page(link: ReplyLink) -> str:
    return FIRST_PAGES[link.purpose]


def _when(pack: Pack) -> str:
    """'Tuesday 23 June at 10:30am': when the conversation is."""
    starts = timezone.localtime(pack.conversation.starts_at)
    hour = starts.strftime("%I").lstrip("0") or "12"
    minutes = starts.strftime(":%M") if starts.minute else ""
    return f"{starts.strftime('%A')} {starts.day} {starts.strftime('%B')} at {hour}{minutes}{starts.strftime('%p').lower()}"


@public_page
def code(request):
    """Where a person types the short code printed on their letter."""
    typed, error = "", ""
    if request.method == "POST":
        typed = request.POST.get("code", "")[:40]
        found = links.normalise_code(typed)
        if found is not None:
            return redirect(reverse("reply:start", args=[found]))
        error = ("Enter the 8-character code from your letter, like KX7M 4TQ9" if typed.strip()
                 else "Enter the code from your letter")
    return render(request, "prepare/public/code.jinja", {
        "practice": None, "typed": typed, "error": error, "form_errors": [error] if error else []},
        status=400 if error else 200)


@public_page
def start(request, token: str):
    """Ask for the date of birth; on the right one, remember this link in the session."""
    opened = open_link(token)
    if not opened.works:
        return gone(request, opened.link, opened.state)
    link = opened.link
    pack = opened.pack or link
    values = {"day": "", "month": "", "year": ""}
    error = ""
    if request.method == "POST":
        typed = {k: request.POST.get(f"dob[{k}]", "") for k in values}
        values = {k: v[:10] for k, v in typed.items()}  # shown again in the boxes
        born, error = links.parse_date(typed["day"], typed["month"], typed["year"], today=clock.today())
        if not error:
            check = link_actions.check_date_of_birth(link=link, date_of_birth=born)
            if check.locked:
                return gone(request, link, links.LinkState.LOCKED)
            if check.right:
                request.session.cycle_key()
                _allow(request, link)
                return redirect(reverse(_first_page(link), args=[token]))
            tries = "1 more try" if check.tries_left == 1 else f"{check.tries_left} more tries"
            error = (f"The date of birth does not match our records. Check it and try again. You have {tries} "
                     "before this link is locked.")
    elif allowed(request, link):
        return redirect(reverse(_first_page(link), args=[token]))
    return render(request, "prepare/public/start.jinja", context(
        pack, values=values, error=error, form_errors=[error] if error else []), status=400 if error else 200)


def _latest(pack: Pack) -> Agenda | None:
    return queries.latest_for_pack(pack)


@guarded(ReplyLink.Purpose.PACK)
def pack_page(request, token: str, pack: Pack):
    """The pack as it was sent, with their reply so far."""
    queries.audit_pack_viewed_online(pack)
    html = pack.html or ""
    body = _BODY.search(html)
    # The pack's HTML was rendered by Tandem's own templates when it was sent, with everything a
    # person or clinician typed escaped then; it is shown as it was sent.
    content = Markup(body.group(1) if body else html)  # noqa: S704
    now = clock.now()
    return render(request, "prepare/public/pack.jinja", context(
        pack, token=token, content=content, agenda=_latest(pack), when=_when(pack),
        can_change=queries.can_change_reply(pack, now=now)))


def _form_context(pack: Pack, *, token: str, reply: agenda_actions.Reply, errors: dict[str, str]) -> dict:
    prompts = queries.prompts(pack.practice, pack.variant)
    known = [t for t in reply.topics if t not in prompts.topics]
    # each field's id is its name, so the error summary links straight to it
    error_list = [{"text": message, "href": f"#{name}"} for name, message in errors.items()]
    return context(pack, token=token, prompts=prompts, topics=[*prompts.topics, *known], reply=reply,
                    errors=errors, error_list=error_list, form_errors=list(errors.values()),
                    from_choices=FROM_CHOICES, limits=agenda_actions.LIMITS, when=_when(pack))


@guarded(ReplyLink.Purpose.PACK)
def reply(request, token: str, pack: Pack):
    """The agenda form: a new version each time it is sent; prefilled with their latest reply."""
    now = clock.now()
    if not queries.can_change_reply(pack, now=now):
        return render(request, "prepare/public/closed.jinja", context(pack, token=token), status=410)
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


@guarded(ReplyLink.Purpose.PACK)
def sent(request, token: str, pack: Pack):
    """What they sent, and that they can change it until the appointment."""
    agenda = _latest(pack)
    if agenda is None:
        return redirect(reverse("reply:reply", args=[token]))
    return render(request, "prepare/public/sent.jinja", context(
        pack, token=token, agenda=agenda, when=_when(pack),
        can_change=queries.can_change_reply(pack, now=clock.now()),
        from_label=SENT_BY.get(agenda.from_who, "")))


ANSWERS = [
    (ReplyLink.Answer.WILL_BOOK, "I will book my appointments", "answer_will_book"),
    (ReplyLink.Answer.CALL_BACK, "Please call me to book", "answer_call_back"),
    (ReplyLink.Answer.NOT_THIS_YEAR, "I do not want a review this year", "answer_not_this_year"),
]


@dataclass(frozen=True)
class Offer:
    """Something the invitation's answer page offers above the three answers (a button to a page)."""

    heading: str
    text: str
    button: str
    url: str


#: Rooms above prepare add their offers here at start-up, so prepare imports none of them: each is
#: `fn(link, token) -> Offer | None` (tandem.booking: "Book my appointments now").
ANSWER_OFFERS: list = []


def offer_on_answer(fn):
    """Register an offer for the invitation's answer page (idempotent)."""
    if fn not in ANSWER_OFFERS:
        ANSWER_OFFERS.append(fn)
    return fn


def _offers(link: ReplyLink, token: str) -> list[Offer]:
    return [offer for offer in (fn(link, token) for fn in ANSWER_OFFERS) if offer is not None]


def _words(link: ReplyLink) -> Words:
    return Words(messaging_queries.current_texts(link.practice, "standard", document="invitation"), "standard")


@guarded(ReplyLink.Purpose.INVITATION)
def answer(request, token: str, link: ReplyLink):
    """An invitation's reply: I will book (how), please call me, or not this year. Recorded for staff
    to act on; it changes nothing in the review by itself."""
    error = ""
    chosen = link.answer
    if request.method == "POST":
        chosen = request.POST.get("answer", "")[:20]
        try:
            link_actions.record_answer(link=link, answer=chosen)
        except link_actions.LinkError:
            error = "Choose what you would like to do"
        else:
            return redirect(reverse("reply:answered", args=[token]))
    return render(request, "prepare/public/answer.jinja", context(
        link, token=token, error=error, form_errors=[error] if error else [], offers=_offers(link, token),
        choices=[{"value": value, "text": text, "checked": value == chosen} for value, text, _ in ANSWERS]),
        status=400 if error else 200)


@guarded(ReplyLink.Purpose.INVITATION)
def answered(request, token: str, link: ReplyLink):
    """What happens next, for the answer they gave."""
    if not link.answer:
        return redirect(reverse("reply:answer", args=[token]))
    words = _words(link)
    values = {"phone": link.practice.phone or "the practice", "practice": link.practice.name}
    block = next(b for value, _, b in ANSWERS if value == link.answer)
    return render(request, "prepare/public/answered.jinja", context(
        link, token=token, answer=next(text for value, text, _ in ANSWERS if value == link.answer),
        paragraphs=words(block, **values),
        hours=words("practice_hours") if link.answer == ReplyLink.Answer.WILL_BOOK else [],
        phone=link.practice.phone))


# Every page here is rate limited per address and per link (tandem.core.ratelimits), including any
# added later: limit_all wraps each view of this list.
urlpatterns = limit_all([
    path("", code, name="code"),
    path("<str:token>/", start, name="start"),
    path("<str:token>/pack/", pack_page, name="pack"),
    path("<str:token>/reply/", reply, name="reply"),
    path("<str:token>/sent/", sent, name="sent"),
    path("<str:token>/answer/", answer, name="answer"),
    path("<str:token>/answered/", answered, name="answered"),
])

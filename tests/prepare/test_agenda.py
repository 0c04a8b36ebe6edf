"""The person's agenda: the reply link (date of birth first, lockout, expiry), the reply and its
versions, staff typing in a paper reply (and its conflict), escaping, scoping and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.messaging import link_actions, links
from tandem.messaging.models import ReplyLink, WordingVersion
from tandem.prepare.actions import agenda as actions
from tandem.prepare.models import Agenda, Pack

ARTHUR_BORN = {"dob[day]": "9", "dob[month]": "3", "dob[year]": "1950"}
WRONG = {"dob[day]": "10", "dob[month]": "3", "dob[year]": "1950"}
PACK_HTML = "<h2>Your results</h2><p>Your HbA1c is 62.</p>"
SCRIPT = "<script>alert(1)</script>"


def make_pack(u, patient, talk, *, html=PACK_HTML) -> tuple[Pack, str]:
    pack = Pack.objects.create(
        practice=talk.practice, patient=patient, conversation=talk, with_results=True, content={}, html=html,
        channel="letter", variant="standard", sent_on=clock.today(), created_at=clock.now(), created_by=u.admin)
    issued = link_actions.issue_links(practice=talk.practice, by=u.admin, requests=[link_actions.LinkRequest(
        patient=patient, purpose="pack", object_id=talk.pk, expires_at=links.expires_at(talk.starts_at))])[0]
    pack.reply_link = issued.link
    return pack, issued.token


@pytest.fixture
def sent(booked):
    """Arthur's and Beatrice's packs are out, each with its reply link."""
    u = booked
    u.pack, u.token = make_pack(u, u.arthur, u.arthur_talk)
    u.link = u.pack.reply_link
    u.beatrice_pack, u.beatrice_token = make_pack(u, u.beatrice, u.beatrice_talk)
    return u


def start(token):
    return reverse("reply:start", args=[token])


def page(name, token):
    return reverse(f"reply:{name}", args=[token])


def opened(client, token, born=ARTHUR_BORN):
    response = client.post(start(token), born)
    assert response.status_code == 302, response.content[:500]
    return response


def answers(**more) -> dict:
    return {"what_matters": "Getting back to the allotment", "topics": ["Sleep", "Pain"],
            "questions": "Can I stop one of my tablets?", "anything_else": "", "coming_with": "My daughter",
            "from_who": "person", **more}


# --- The link: date of birth first ----------------------------------------------------------------


def test_the_link_alone_shows_nothing_about_the_person(client, sent):
    response = client.get(start(sent.token))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Enter your date of birth" in text
    assert "Riverside Surgery" in text
    for private in ("Arthur", "BENNETT", "HbA1c", "9990000034", "allotment"):
        assert private not in text


def test_reply_pages_are_not_cached_not_indexed_and_never_send_their_address_to_another_site(client, sent):
    # "same-origin", not "no-referrer": with "no-referrer" browsers send Origin: null on the forms'
    # POSTs and the CSRF check refuses them (the browser test covers the real forms).
    for response in (client.get(start(sent.token)), client.get(start("x" * 43)), client.get(page("pack", sent.token))):
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "same-origin"
        assert "noindex" in response["X-Robots-Tag"]
    opened(client, sent.token)
    response = client.get(page("pack", sent.token))
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "same-origin"


def test_the_right_date_of_birth_shows_the_pack_and_is_audited(client, sent):
    response = opened(client, sent.token)
    assert response["Location"] == page("pack", sent.token)
    response = client.get(page("pack", sent.token))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Your HbA1c is 62." in text
    assert "Tuesday 23 June at 10:30am" in text
    assert "Tell us what you would like to talk about" in text
    viewed = AuditEvent.objects.get(what="prepare.pack.viewed_online")
    assert (viewed.user_id, viewed.patient_id, viewed.object_id, viewed.action) == (
        None, sent.arthur.pk, str(sent.pack.pk), "view")
    # once the date of birth is given, the link goes straight to the pack
    assert client.get(start(sent.token))["Location"] == page("pack", sent.token)


def test_the_session_holds_the_pack_id_and_never_the_token(client, sent):
    opened(client, sent.token)
    held = client.session["tandem_reply"]
    assert set(held) == {"link", "until"}
    assert held["link"] == sent.link.pk
    assert sent.token not in str(dict(client.session.items()))
    # and the database keeps only the digest
    row = ReplyLink.objects.filter(pk=sent.link.pk).values().get()
    assert sent.token not in str(row) and sent.token not in str(Pack.objects.filter(pk=sent.pack.pk).values().get())
    assert row["token_hash"] == links.digest(sent.token)


def test_the_pages_behind_the_date_of_birth_send_a_stranger_back_to_it(client, sent):
    for name in ("pack", "reply", "sent"):
        response = client.get(page(name, sent.token))
        assert response.status_code == 302
        assert response["Location"] == start(sent.token)
    assert client.post(page("reply", sent.token), answers()).status_code == 302
    assert not Agenda.objects.exists()


def test_one_persons_date_of_birth_never_opens_another_persons_pack(client, sent):
    opened(client, sent.token)
    for name in ("pack", "reply", "sent"):
        response = client.get(page(name, sent.beatrice_token))
        assert response.status_code == 302 and response["Location"] == start(sent.beatrice_token)
    assert client.post(page("reply", sent.beatrice_token), answers()).status_code == 302
    assert not Agenda.objects.exists()
    # Arthur's date of birth on Beatrice's link is simply wrong
    response = client.post(start(sent.beatrice_token), ARTHUR_BORN)
    assert response.status_code == 400


def test_the_permission_ends_after_an_hour_without_a_page(client, sent):
    opened(client, sent.token)
    with clock.frozen(clock.now() + dt.timedelta(minutes=61)):
        assert client.get(page("pack", sent.token))["Location"] == start(sent.token)


def test_a_wrong_date_of_birth_is_counted_and_says_how_many_tries_are_left(client, sent):
    response = client.post(start(sent.token), WRONG)
    assert response.status_code == 400
    text = response.content.decode()
    assert "The date of birth does not match our records" in text
    assert "4 more tries" in text
    assert "Error:" in text  # page title
    sent.link.refresh_from_db()
    assert sent.link.failures == 1
    failed = AuditEvent.objects.get(what="messaging.link.wrong_date")
    assert failed.detail == {"failures": 1, "locked": False, "purpose": "pack"}
    assert "1950" not in str(failed.detail)


def test_an_unreal_date_is_an_error_but_not_a_wrong_try(client, sent):
    response = client.post(start(sent.token), {"dob[day]": "31", "dob[month]": "2", "dob[year]": "1950"})
    assert response.status_code == 400
    assert "must be a real date" in response.content.decode()
    sent.link.refresh_from_db()
    assert sent.link.failures == 0


def test_the_right_date_clears_earlier_wrong_ones(client, sent):
    for _ in range(4):
        client.post(start(sent.token), WRONG)
    opened(client, sent.token)
    sent.link.refresh_from_db()
    assert sent.link.failures == 0 and sent.link.locked_at is None


def test_five_wrong_dates_lock_the_link_and_say_to_call_the_practice(client, sent):
    for tries_left in (4, 3, 2, 1):
        response = client.post(start(sent.token), WRONG)
        assert response.status_code == 400
        assert f"{tries_left} more tr" in response.content.decode()
    response = client.post(start(sent.token), WRONG)
    assert response.status_code == 410
    text = response.content.decode()
    assert "This link has been locked" in text
    assert "Riverside Surgery on 0113 496 0000" in text
    sent.link.refresh_from_db()
    assert sent.link.failures == 5 and sent.link.locked_at is not None
    # even the right date no longer opens it, and the pages behind it are closed too
    assert client.post(start(sent.token), ARTHUR_BORN).status_code == 410
    assert client.get(start(sent.token)).status_code == 410
    assert client.get(page("pack", sent.token)).status_code == 410
    assert AuditEvent.objects.filter(what="messaging.link.wrong_date", detail__locked=True).count() == 1


def test_a_locked_link_closes_a_browser_that_had_already_opened_it(client, sent):
    opened(client, sent.token)
    other = Client()
    for _ in range(5):
        other.post(start(sent.token), WRONG)
    assert client.get(page("pack", sent.token)).status_code == 410


def test_an_expired_link_is_gone_and_says_who_to_call(client, sent):
    opened(client, sent.token)
    with clock.frozen(sent.link.expires_at + dt.timedelta(seconds=1)):
        for response in (client.get(start(sent.token)), client.get(page("pack", sent.token))):
            assert response.status_code == 410
            text = response.content.decode()
            assert "This link does not work" in text
            assert "0113 496 0000" in text
            assert "HbA1c" not in text
    with clock.frozen(sent.link.expires_at - dt.timedelta(minutes=1)):
        opened(client, sent.token)
        assert client.get(page("pack", sent.token)).status_code == 200


def test_a_cancelled_conversations_link_no_longer_works(client, sent):
    from tandem.prepare.actions import cancel_conversation

    cancel_conversation(conversation=sent.arthur_talk, by=sent.admin)
    assert client.get(start(sent.token)).status_code == 410


@pytest.mark.parametrize("token", ["x" * 43, "abc", "a" * 300, "%00", "..", "'; drop table"])
def test_an_unknown_link_is_not_found_and_says_only_that_it_does_not_work(client, sent, token):
    response = client.get(f"/r/{token}/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "This link does not work" in text
    assert "Riverside" not in text
    assert client.post(f"/r/{token}/", ARTHUR_BORN).status_code == 404
    assert client.get(f"/r/{token}/pack/").status_code == 404


def test_the_date_of_birth_form_is_csrf_protected(sent):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(start(sent.token), ARTHUR_BORN).status_code == 403
    sent.link.refresh_from_db()
    assert sent.link.failures == 0


def test_the_public_pages_show_no_staff_navigation_even_to_signed_in_staff(client, sent):
    client.force_login(sent.nurse)
    text = client.get(start(sent.token)).content.decode()
    assert "Find a patient" not in text and "Sign out" not in text


# --- The reply ------------------------------------------------------------------------------------


def test_sending_a_reply_saves_version_one_and_confirms_what_was_sent(client, sent):
    opened(client, sent.token)
    form = client.get(page("reply", sent.token)).content.decode()
    assert "What matters most to you at the moment?" in form
    assert "Mood and worries" in form and "What might happen in the future" in form
    response = client.post(page("reply", sent.token), answers())
    assert response.status_code == 302 and response["Location"] == page("sent", sent.token)
    agenda = Agenda.objects.get()
    assert (agenda.version, agenda.via, agenda.entered_by, agenda.patient_id, agenda.practice_id) == (
        1, "online", None, sent.arthur.pk, sent.practice.pk)
    assert agenda.topics == ["Sleep", "Pain"]
    assert agenda.what_matters == "Getting back to the allotment"
    assert agenda.coming_with == "My daughter"
    event = AuditEvent.objects.get(what="prepare.agenda")
    assert (event.user_id, event.patient_id, event.detail["via"]) == (None, sent.arthur.pk, "online")
    text = client.get(page("sent", sent.token)).content.decode()
    assert "We have your answers" in text
    assert "Getting back to the allotment" in text
    assert "You can change your answers until your appointment starts" in text


def test_coming_back_shows_the_latest_reply_and_a_change_is_a_new_version(client, sent):
    opened(client, sent.token)
    client.post(page("reply", sent.token), answers())
    form = client.get(page("reply", sent.token)).content.decode()
    assert "Getting back to the allotment" in form
    assert 'value="Sleep" checked' in form
    client.post(page("reply", sent.token), answers(what_matters="Walking the dog", topics=["Money"]))
    assert list(Agenda.objects.order_by("version").values_list("version", "what_matters")) == [
        (1, "Getting back to the allotment"), (2, "Walking the dog")]
    assert "You sent us your answers" in client.get(page("pack", sent.token)).content.decode()


def test_a_carer_can_reply_and_say_who_they_are(client, sent):
    opened(client, sent.token)
    client.post(page("reply", sent.token), answers(from_who="carer", helper_name="Jo Bennett"))
    agenda = Agenda.objects.get()
    assert (agenda.from_who, agenda.helper_name) == ("carer", "Jo Bennett")


def test_the_persons_own_reply_never_keeps_a_helpers_name(client, sent):
    opened(client, sent.token)
    client.post(page("reply", sent.token), answers(helper_name="Someone"))
    assert Agenda.objects.get().helper_name == ""


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"what_matters": "a" * 2001}, "what_matters", "What matters most to you must be 2,000 characters or fewer"),
    ({"questions": "q" * 2001}, "questions", "Your questions must be 2,000 characters or fewer"),
    ({"anything_else": "e" * 2001}, "anything_else", "Anything else must be 2,000 characters or fewer"),
    ({"coming_with": "c" * 201}, "coming_with", "Who is coming with you must be 200 characters or fewer"),
    ({"from_who": "carer", "helper_name": "h" * 121}, "helper_name", "Your name must be 120 characters or fewer"),
    ({"from_who": ""}, "from_who", "Select whether you are the person or someone helping them"),
    ({"from_who": "boss"}, "from_who", "Select whether you are the person or someone helping them"),
    ({"topics": ["Sleep", "Astrology"]}, "topics", "Choose topics from the list"),
    ({"what_matters": " ", "topics": [], "questions": "", "anything_else": "\n"}, "what_matters",
     "Tell us at least one thing"),
])
def test_bad_answers_get_a_clear_error_and_nothing_is_saved(client, sent, change, field, message):
    opened(client, sent.token)
    response = client.post(page("reply", sent.token), answers(**change))
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert f'href="#{field}"' in text
    assert not Agenda.objects.exists()


def test_exactly_two_thousand_characters_are_fine_and_windows_line_endings_count_once(client, sent):
    opened(client, sent.token)
    lines = ("x" * 9 + "\r\n") * 200  # 2,000 characters with \n, 2,200 with \r\n
    response = client.post(page("reply", sent.token), answers(what_matters=lines))
    assert response.status_code == 302
    assert len(Agenda.objects.get().what_matters) == 1999  # the last line break is trimmed


def test_invisible_control_characters_are_dropped_so_every_database_accepts_the_reply(client, sent):
    opened(client, sent.token)
    response = client.post(page("reply", sent.token), answers(what_matters="Sleep\x00 and\x07 pain"))
    assert response.status_code == 302
    assert Agenda.objects.get().what_matters == "Sleep and pain"


def test_a_reply_with_a_script_is_shown_escaped(client, sent):
    opened(client, sent.token)
    client.post(page("reply", sent.token), answers(what_matters=SCRIPT, questions=SCRIPT, coming_with=SCRIPT))
    for name in ("sent", "reply"):
        text = client.get(page(name, sent.token)).content.decode()
        assert SCRIPT not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    staff = Client()
    staff.force_login(sent.nurse)
    for url in (reverse("prepare:agenda_paper", kwargs={"pk": sent.arthur_talk.pk}),
                reverse("prepare:agenda_history", kwargs={"pk": sent.arthur_talk.pk})):
        text = staff.get(url).content.decode()
        assert SCRIPT not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_reply_closes_when_the_conversation_starts_but_the_pack_stays_readable(client, sent):
    with clock.frozen(sent.arthur_talk.starts_at + dt.timedelta(minutes=1)):
        opened(client, sent.token)
        response = client.get(page("reply", sent.token))
        assert response.status_code == 410
        assert "You can no longer change your answers online" in response.content.decode()
        assert client.post(page("reply", sent.token), answers()).status_code == 410
        pack_page = client.get(page("pack", sent.token))
        assert pack_page.status_code == 200
        assert "Tell us what you would like to talk about" not in pack_page.content.decode()
    assert not Agenda.objects.exists()


def test_the_topics_are_the_practices_own_wording(client, sent):
    WordingVersion.objects.create(practice=sent.practice, block="topics", variant="standard", version=1,
                                  text="Feeling low\nCaring for someone\nGetting to the shops", reading_age=8,
                                  created_at=clock.now())
    opened(client, sent.token)
    form = client.get(page("reply", sent.token)).content.decode()
    assert "Caring for someone" in form and "Mood and worries" not in form
    assert client.post(page("reply", sent.token), answers(topics=["Mood and worries"])).status_code == 400
    client.post(page("reply", sent.token), answers(topics=["Caring for someone"]))
    assert Agenda.objects.get().topics == ["Caring for someone"]


def test_the_reply_form_is_csrf_protected(sent):
    strict = Client(enforce_csrf_checks=True)
    page_ = strict.get(start(sent.token))
    token = page_.cookies["csrftoken"].value
    strict.post(start(sent.token), {**ARTHUR_BORN, "csrfmiddlewaretoken": token})
    assert strict.post(page("reply", sent.token), answers()).status_code == 403
    assert not Agenda.objects.exists()


# --- Versions, as actions -------------------------------------------------------------------------


def test_versions_count_up_per_conversation(sent):
    reply = actions.Reply(what_matters="Sleep")
    first = actions.record_agenda(conversation=sent.arthur_talk, reply=reply, via="online", by=None)
    second = actions.record_agenda(conversation=sent.arthur_talk, reply=reply, via="paper", by=sent.admin)
    other = actions.record_agenda(conversation=sent.beatrice_talk, reply=reply, via="online", by=None)
    assert (first.version, second.version, other.version) == (1, 2, 1)


def test_online_replies_have_no_staff_member_and_typed_in_ones_must(sent):
    reply = actions.Reply(what_matters="Sleep")
    with pytest.raises(actions.AgendaError):
        actions.record_agenda(conversation=sent.arthur_talk, reply=reply, via="online", by=sent.admin)
    with pytest.raises(actions.AgendaError):
        actions.record_agenda(conversation=sent.arthur_talk, reply=reply, via="paper", by=None)
    with pytest.raises(actions.AgendaError):
        actions.record_agenda(conversation=sent.arthur_talk, reply=reply, via="pigeon", by=sent.admin)
    assert not Agenda.objects.exists()


# --- Staff: typing in a paper reply ---------------------------------------------------------------


def paper_url(u, talk=None):
    return reverse("prepare:agenda_paper", kwargs={"pk": (talk or u.arthur_talk).pk})


def paper_answers(based_on, **more):
    return {**answers(), "via": "paper", "based_on": str(based_on), **more}


def test_an_administrator_types_in_a_returned_sheet(client, sent):
    client.force_login(sent.admin)
    response = client.get(paper_url(sent))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Type in a paper reply" in text and "Arthur BENNETT" in text
    assert 'name="based_on" value="0"' in text
    response = client.post(paper_url(sent), paper_answers(0, from_who="carer", helper_name="Jo"))
    assert response.status_code == 302
    assert response["Location"] == reverse("prepare:conversation", kwargs={"pk": sent.arthur_talk.pk}) + "#agenda"
    agenda = Agenda.objects.get()
    assert (agenda.version, agenda.via, agenda.entered_by, agenda.from_who, agenda.helper_name) == (
        1, "paper", sent.admin, "carer", "Jo")
    event = AuditEvent.objects.get(what="prepare.agenda")
    assert (event.user, event.detail["via"]) == (sent.admin, "paper")
    assert AuditEvent.objects.filter(what="prepare.agenda.paper", user=sent.admin,
                                     patient_id=sent.arthur.pk).exists()


def test_paper_entry_needs_how_the_reply_came(client, sent):
    client.force_login(sent.admin)
    response = client.post(paper_url(sent), paper_answers(0, via="email"))
    assert response.status_code == 400
    assert "Choose how the reply reached us" in response.content.decode()
    assert not Agenda.objects.exists()


def test_an_online_reply_that_arrives_while_staff_type_is_shown_and_not_overwritten(client, sent):
    client.force_login(sent.admin)
    assert 'name="based_on" value="0"' in client.get(paper_url(sent)).content.decode()
    actions.record_agenda(conversation=sent.arthur_talk, reply=actions.Reply(what_matters="Online: my breathing"),
                          via="online", by=None)
    response = client.post(paper_url(sent), paper_answers(0, what_matters="Paper: my feet"))
    assert response.status_code == 409
    text = response.content.decode()
    assert "Another reply arrived while you were typing" in text
    assert "Online: my breathing" in text
    assert "Paper: my feet" in text  # what they typed is still in the form
    assert 'name="based_on" value="1"' in text
    assert Agenda.objects.count() == 1
    # having seen it, they save theirs as a new version: both are kept
    response = client.post(paper_url(sent), paper_answers(1, what_matters="Paper: my feet"))
    assert response.status_code == 302
    assert list(Agenda.objects.order_by("version").values_list("version", "via", "what_matters")) == [
        (1, "online", "Online: my breathing"), (2, "paper", "Paper: my feet")]


def test_another_practices_conversation_is_not_found(client, sent):
    client.force_login(sent.other_nurse)
    for url in (paper_url(sent), reverse("prepare:agenda_history", kwargs={"pk": sent.arthur_talk.pk})):
        assert client.get(url).status_code == 404
    assert client.post(paper_url(sent), paper_answers(0)).status_code == 404
    assert not Agenda.objects.exists()
    assert not AuditEvent.objects.filter(user=sent.other_nurse, patient_id=sent.arthur.pk).exists()


def test_the_history_shows_every_version_latest_first(client, sent):
    for text in ("First", "Second"):
        actions.record_agenda(conversation=sent.arthur_talk, reply=actions.Reply(what_matters=text), via="online",
                              by=None)
    client.force_login(sent.nurse)
    text = client.get(reverse("prepare:agenda_history", kwargs={"pk": sent.arthur_talk.pk})).content.decode()
    assert text.index("Second") < text.index("First")
    assert "Version 2 (latest)" in text


def test_the_partial_shows_the_latest_agenda_escaped_with_a_link_to_earlier_versions(rf, sent):
    from tandem.prepare.queries import agenda as queries

    for text in ("First", SCRIPT):
        actions.record_agenda(conversation=sent.arthur_talk,
                              reply=actions.Reply(what_matters=text, topics=("Sleep",), from_who="carer",
                                                  helper_name="Jo <b>Bennett</b>"),
                              via="paper", by=sent.admin)
    latest = queries.latest_agenda(sent.practice, sent.arthur_talk)
    html = render_to_string("prepare/agenda/_agenda.jinja", {
        "agenda": latest, "history": queries.agenda_history(sent.practice, sent.arthur_talk)}, request=rf.get("/"))
    assert SCRIPT not in html and "&lt;script&gt;" in html
    assert "Jo &lt;b&gt;Bennett&lt;/b&gt;" in html
    assert "Sleep" in html
    assert "Earlier versions (1)" in html
    assert reverse("prepare:agenda_history", kwargs={"pk": sent.arthur_talk.pk}) in html
    empty = render_to_string("prepare/agenda/_agenda.jinja", {"agenda": None, "history": [],
                                                              "conversation_id": sent.arthur_talk.pk},
                             request=rf.get("/"))
    assert "They have not replied yet" in empty
    assert paper_url(sent) in empty


def test_the_partial_works_with_the_conversation_pages_own_names(rf, sent):
    from tandem.prepare.queries import agenda as queries

    html = render_to_string("prepare/agenda/_agenda.jinja", {"agenda": None, "agenda_history": [],
                                                             "talk": sent.arthur_talk}, request=rf.get("/"))
    assert paper_url(sent) in html
    actions.record_agenda(conversation=sent.arthur_talk, reply=actions.Reply(what_matters="Sleep"), via="online",
                          by=None)
    html = render_to_string("prepare/agenda/_agenda.jinja", {
        "agenda": queries.latest_agenda(sent.practice, sent.arthur_talk), "talk": sent.arthur_talk,
        "agenda_history": queries.agenda_history(sent.practice, sent.arthur_talk)}, request=rf.get("/"))
    assert "Sleep" in html and "online reply" in html and "Earlier versions" not in html


def test_latest_agenda_is_scoped_to_the_practice(sent):
    from tandem.prepare.queries import agenda as queries

    actions.record_agenda(conversation=sent.arthur_talk, reply=actions.Reply(what_matters="x"), via="online",
                          by=None)
    assert queries.latest_agenda(sent.practice, sent.arthur_talk) is not None
    assert queries.latest_agenda(sent.other_practice, sent.arthur_talk) is None
    assert queries.agenda_history(sent.other_practice, sent.arthur_talk) == []

"""A practice's pack wording: saving versions, edit conflicts, refusals (problems, reading age),
going back, what the pack code gets, and the editor's pages (permissions, scoping, escaping)."""

from __future__ import annotations

import pytest

from tandem.core.models import AuditEvent
from tandem.messaging import wording
from tandem.messaging import wording_actions as actions
from tandem.messaging.models import WordingVersion
from tandem.prepare.queries import wording as queries

INTRO_STANDARD = wording.block("intro").standard
MINE = "Dear {given_name}\n\nWe will see you on {date}. This pack helps you get ready."
HARD = ("Notwithstanding the aforementioned considerations, comprehensive multidisciplinary evaluation "
        "necessitates substantial preparatory documentation, {given_name}.")


@pytest.fixture
def staff(universe):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    u = universe
    u.manager = core_actions.add_staff(practice=u.practice, username="manager", role=Role.MANAGER, by=None,
                                       password="correct-horse-battery", first_name="Priya", last_name="Shah")
    u.other_manager = core_actions.add_staff(practice=u.other_practice, username="othermanager", role=Role.MANAGER,
                                             by=None, password="correct-horse-battery")
    return u


def save(u, text=MINE, *, block="intro", variant="standard", expected=0, note="", practice=None, by=None):
    return actions.save_wording(practice=practice or u.practice, block=block, variant=variant, text=text,
                                expected_version=expected, by=by or u.manager, note=note)


# --- Actions ------------------------------------------------------------------------------------

def test_each_save_is_a_new_version_and_is_audited_without_the_text(staff):
    first = save(staff, note="Shorter")
    second = save(staff, MINE + " See you soon.", expected=1)
    assert (first.version, second.version) == (1, 2)
    assert first.note == "Shorter" and first.created_by == staff.manager
    assert 5 <= second.reading_age <= 11
    assert WordingVersion.objects.filter(practice=staff.practice).count() == 2
    events = AuditEvent.objects.filter(what="messaging.wording").order_by("pk")
    assert [e.detail for e in events] == [{"block": "intro", "variant": "standard", "version": 1},
                                          {"block": "intro", "variant": "standard", "version": 2}]
    assert all(e.patient_id is None and e.practice == staff.practice and e.user == staff.manager for e in events)
    assert "pack helps" not in str([e.detail for e in events])


def test_standard_and_easy_read_are_versioned_separately(staff):
    save(staff)
    easy = save(staff, "Dear {given_name}\n\nSee you on {date}.", variant="easy_read")
    assert easy.version == 1


def test_saving_from_an_old_version_is_a_conflict_and_saves_nothing(staff):
    save(staff)
    theirs = save(staff, MINE + " Thank you.", expected=1, by=staff.admin)
    with pytest.raises(actions.WordingConflict) as caught:
        save(staff, MINE + " Mine.", expected=1)
    assert caught.value.current == theirs
    assert WordingVersion.objects.filter(practice=staff.practice).count() == 2


def test_first_save_conflicts_when_someone_else_saved_first(staff):
    save(staff, by=staff.admin)
    with pytest.raises(actions.WordingConflict):
        save(staff, MINE + " Mine.", expected=0)


def test_wording_over_the_reading_age_limit_is_refused(staff):
    with pytest.raises(actions.WordingRefused) as caught:
        save(staff, HARD)
    [problem] = caught.value.problems
    assert "reading age of" in problem and "The limit for standard wording is 11" in problem
    assert not WordingVersion.objects.exists()


def test_easy_read_has_a_lower_limit(staff):
    text = "You are coming to see us on {date} to talk about your health."  # reading age 10.2
    save(staff, text)  # fine for standard
    with pytest.raises(actions.WordingRefused, match="limit for easy read wording is 9"):
        save(staff, text, variant="easy_read")


@pytest.mark.parametrize(("text", "message"), [
    ("Dear {nhs_number}", "{nhs_number} is not something Tandem can fill in here. You can use: {given_name}"),
    ("Dear {given_name} {", "Curly brackets { } are only for the names Tandem fills in"),
    ("   \n ", "This wording cannot be empty."),
    (INTRO_STANDARD, "This is the wording in use already"),
])
def test_bad_wording_is_refused_with_a_reason(staff, text, message):
    with pytest.raises(actions.WordingRefused) as caught:
        save(staff, text)
    assert any(message in p for p in caught.value.problems)
    assert not WordingVersion.objects.exists()


def test_unknown_block_or_variant_is_refused(staff):
    with pytest.raises(actions.WordingRefused, match="no wording block called 'nonsense'"):
        save(staff, block="nonsense")
    with pytest.raises(actions.WordingRefused, match="standard or easy read"):
        save(staff, variant="large_print")


def test_line_endings_and_trailing_spaces_are_tidied(staff):
    row = save(staff, "Dear {given_name}  \r\n\r\nSee you on {date}.\r\n\r\n")
    assert row.text == "Dear {given_name}\n\nSee you on {date}."


def test_going_back_to_the_standard_wording_is_a_new_version(staff):
    save(staff)
    row = actions.use_standard(practice=staff.practice, block="intro", variant="standard", expected_version=1,
                               by=staff.manager)
    assert (row.version, row.text) == (2, INTRO_STANDARD)
    assert row.note == "Back to Tandem's standard wording"
    assert queries.current_texts(staff.practice, "standard") == {}
    assert queries.in_use(wording.block("intro"), "standard", queries.latest(staff.practice, "intro", "standard")).own \
        is False


def test_an_old_version_can_be_used_again(staff):
    save(staff, note="First")
    save(staff, MINE + " Thank you.", expected=1)
    row = actions.use_again(practice=staff.practice, block="intro", variant="standard", version=1,
                            expected_version=2, by=staff.manager)
    assert (row.version, row.text, row.note) == (3, MINE, "Version 1 used again")
    with pytest.raises(actions.WordingRefused, match="no version 9"):
        actions.use_again(practice=staff.practice, block="intro", variant="standard", version=9,
                          expected_version=3, by=staff.manager)


def test_current_texts_are_the_practices_changed_blocks_for_that_variant_only(staff):
    save(staff)
    save(staff, "Dear {given_name}\n\nSee you on {date}.", variant="easy_read")
    save(staff, "See you soon, {given_name}.", practice=staff.other_practice, by=staff.other_manager)
    assert queries.current_texts(staff.practice, "standard") == {"intro": MINE}
    assert queries.current_texts(staff.practice, "large_print") == {"intro": MINE}
    assert queries.current_texts(staff.practice, "easy_read") == {"intro": "Dear {given_name}\n\nSee you on {date}."}
    assert queries.current_texts(staff.other_practice, "standard") == {"intro": "See you soon, {given_name}."}


def test_the_pack_uses_the_practices_wording(staff):
    save(staff)
    pack = queries.sample_pack(variant="standard", texts=queries.current_texts(staff.practice, "standard"))
    assert pack.opening == ("Dear Sam", "We will see you on Tuesday 14 July. This pack helps you get ready.")


def test_preview_marks_the_pieces_from_the_wording_being_edited():
    sections = queries.preview(key="change_up", variant="standard", text="It was {previous} in {when}. Up.",
                               texts={}, practice_name="Riverside Surgery", practice_phone="0113 496 0000")
    [section] = sections
    assert section.heading == "Blood sugar (HbA1c)"
    assert [p.text for p in section.paragraphs if p.mine] == ["It was 55 mmol/mol in July 2025. Up."]
    assert any("62 mmol/mol" in p.text for p in section.paragraphs if not p.mine)


@pytest.mark.parametrize("key", list(wording.blocks()))
def test_every_block_has_a_preview_that_shows_it(key):
    block = wording.block(key)
    sections = queries.preview(key=key, variant="standard", text=block.standard, texts={},
                               practice_name="Riverside Surgery", practice_phone="0113 496 0000")
    assert any(p.mine for s in sections for p in (*s.paragraphs, *s.items))


# --- Pages --------------------------------------------------------------------------------------

def url(name, key="intro", variant="standard", **kwargs):
    from django.urls import reverse

    if name == "wording":
        return reverse("prepare:wording")
    return reverse(f"prepare:{name}", kwargs={"key": key, "variant": variant, **kwargs})


@pytest.fixture
def manager_client(client, staff):
    client.force_login(staff.manager)
    return client


@pytest.mark.parametrize("username", ["nurse", "admin"])
def test_staff_without_manage_practice_cannot_open_or_save_wording(client, staff, username):
    save(staff)
    client.force_login(getattr(staff, username))
    assert client.get(url("wording")).status_code == 403
    assert client.get(url("wording_block")).status_code == 403
    assert client.get(url("wording_version", version=1)).status_code == 403
    for name in ("wording_block", "wording_check", "wording_preview", "wording_use_standard"):
        assert client.post(url(name), {"text": MINE, "version": "1"}).status_code == 403
    assert client.post(url("wording_use_again", version=1), {"version": "1"}).status_code == 403
    assert WordingVersion.objects.count() == 1


def test_signed_out_people_are_sent_to_sign_in(client, staff):
    response = client.get(url("wording"))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_the_list_shows_every_block_with_its_reading_age_and_whose_wording_it_is(manager_client, staff):
    save(staff)
    response = manager_client.get(url("wording"))
    page = response.content.decode()
    assert response.status_code == 200
    for block in wording.blocks().values():
        assert block.title.replace("'", "&#39;") in page
    assert "Your wording, version 1" in page
    assert page.count("Tandem's standard</span>") == 2 * len(wording.blocks()) - 1
    assert "A whole pack with your wording" in page and "Over the limit" not in page


def test_the_block_page_shows_the_wording_placeholders_readability_preview_and_history(manager_client, staff):
    save(staff, note="Shorter")
    response = manager_client.get(url("wording_block"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "We will see you on {date}. This pack helps you get ready.</textarea>" in page
    assert "<code>{given_name}</code>: the person&#39;s first name" in page
    assert 'hx-post="/prepare/wording/intro/standard/check/"' in page
    assert 'hx-trigger="input changed delay:400ms"' in page
    assert "Reading age" in page and "Within the limit" in page
    assert "We will see you on Tuesday 14 July. This pack helps you get ready." in page  # the preview
    assert "Version 1" in page and "Shorter" in page and "Priya Shah" in page
    assert 'name="version" value="1"' in page
    assert "Go back to Tandem&#39;s standard wording" in page and url("wording_use_standard") in page


def test_saving_through_the_page_makes_a_new_version(manager_client, staff):
    response = manager_client.post(url("wording_block"), {"text": MINE, "note": "Shorter", "version": "0"})
    assert response.status_code == 302 and response["Location"] == url("wording_block")
    row = WordingVersion.objects.get()
    assert (row.version, row.text, row.note, row.created_by) == (1, MINE, "Shorter", staff.manager)
    page = manager_client.get(url("wording_block")).content.decode()
    assert "Saved. Version 1 of this wording is now used in new packs." in page


def test_wording_over_the_limit_is_refused_and_the_typed_text_kept(manager_client, staff):
    response = manager_client.post(url("wording_block"), {"text": HARD, "note": "Try", "version": "0"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in page and "There is a problem" in page
    assert "The limit for standard wording is 11" in page
    assert "Notwithstanding the aforementioned considerations" in page
    assert 'value="Try"' in page
    assert not WordingVersion.objects.exists()


def test_a_bad_placeholder_is_refused_on_the_page(manager_client, staff):
    response = manager_client.post(url("wording_block"), {"text": "Dear {nhs_number}", "version": "0"})
    assert response.status_code == 400
    assert "{nhs_number} is not something Tandem can fill in here" in response.content.decode()


def test_a_conflict_shows_both_texts_and_loses_nothing(manager_client, staff):
    save(staff, "Dear {given_name}\n\nTheir wording, see you on {date}.", by=staff.admin)
    response = manager_client.post(url("wording_block"), {"text": MINE, "note": "Mine", "version": "0"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this wording" in page
    assert "Their wording, see you on {date}." in page  # theirs
    assert "We will see you on {date}. This pack helps you get ready.</textarea>" in page  # mine, still in the box
    assert 'name="version" value="1"' in page  # saving again now is deliberate
    assert WordingVersion.objects.count() == 1
    assert manager_client.post(url("wording_block"), {"text": MINE, "version": "1"}).status_code == 302
    assert WordingVersion.objects.latest("version").text == MINE


def test_a_form_without_a_version_is_a_conflict_not_an_overwrite(manager_client, staff):
    response = manager_client.post(url("wording_block"), {"text": MINE})
    assert response.status_code == 409
    assert not WordingVersion.objects.exists()


def test_live_check_returns_a_small_partial_with_reading_age_limit_and_problems(manager_client, staff):
    response = manager_client.post(url("wording_check", variant="easy_read"),
                                   {"text": HARD + " {nhs_number}"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "Reading age" in page and "Over the limit" in page and "reading age of 9" in page
    assert "{nhs_number} is not something Tandem can fill in here" in page
    assert 'id="wording-preview" hx-swap-oob="innerHTML"' in page
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]
    fine = manager_client.post(url("wording_check"), {"text": MINE}, HTTP_HX_REQUEST="true").content.decode()
    assert "Within the limit" in fine and "cannot be saved" not in fine
    assert not WordingVersion.objects.exists()


def test_check_and_preview_without_javascript_show_the_whole_page(manager_client, staff):
    for name in ("wording_check", "wording_preview"):
        response = manager_client.post(url(name), {"text": MINE + " Bring your questions.", "version": "0"})
        page = response.content.decode()
        assert response.status_code == 200
        assert "<html" in page
        assert "This pack helps you get ready. Bring your questions.</p>" in page  # the preview
        assert "This pack helps you get ready. Bring your questions.</textarea>" in page
    assert not WordingVersion.objects.exists()


def test_preview_partial_for_htmx(manager_client, staff):
    response = manager_client.post(url("wording_preview"), {"text": MINE}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and "This pack helps you get ready." in page


def test_an_old_version_can_be_viewed_and_used_again_from_the_page(manager_client, staff):
    save(staff, note="First")
    save(staff, MINE + " Thank you.", expected=1)
    page = manager_client.get(url("wording_version", version=1)).content.decode()
    assert "Version 1" in page and "First" in page and "Use this version again" in page
    response = manager_client.post(url("wording_use_again", version=1), {"version": "2"})
    assert response.status_code == 302
    assert WordingVersion.objects.latest("version").text == MINE
    stale = manager_client.post(url("wording_use_again", version=2), {"version": "2"})
    assert stale.status_code == 409 and "Someone else saved this wording" in stale.content.decode()


def test_going_back_to_the_standard_wording_from_the_page(manager_client, staff):
    save(staff)
    response = manager_client.post(url("wording_use_standard"), {"version": "1"})
    assert response.status_code == 302
    assert WordingVersion.objects.latest("version").text == INTRO_STANDARD
    page = manager_client.get(url("wording_block")).content.decode()
    assert "Tandem&#39;s standard wording, saved as version 2" in page
    assert url("wording_use_standard") not in page  # nothing to go back from


def test_another_practices_wording_is_invisible(manager_client, staff):
    save(staff, "Dear {given_name}\n\nHillview wording for {date}.", practice=staff.other_practice,
         by=staff.other_manager)
    assert manager_client.get(url("wording_version", version=1)).status_code == 404
    assert manager_client.post(url("wording_use_again", version=1), {"version": "0"}).status_code == 404
    for page in (manager_client.get(url("wording")), manager_client.get(url("wording_block"))):
        assert "Hillview wording" not in page.content.decode()
        assert "Your wording, version" not in page.content.decode()
    assert not WordingVersion.objects.filter(practice=staff.practice).exists()


@pytest.mark.parametrize(("key", "variant"), [("nonsense", "standard"), ("intro", "large_print")])
def test_unknown_blocks_and_variants_are_not_found(manager_client, staff, key, variant):
    assert manager_client.get(url("wording_block", key=key, variant=variant)).status_code == 404


def test_typed_markup_is_escaped_in_the_editor_preview_and_history(manager_client, staff):
    text = "Dear {given_name}\n\n<script>alert('x')</script> <b>See you</b> on {date}."
    save(staff, text, note="<i>note</i>")
    pages = [manager_client.get(url("wording_block")), manager_client.get(url("wording_version", version=1)),
             manager_client.post(url("wording_preview"), {"text": text, "version": "1"}),
             manager_client.post(url("wording_check"), {"text": text}, HTTP_HX_REQUEST="true")]
    for response in pages:
        page = response.content.decode()
        assert "<script>alert" not in page and "<b>See you</b>" not in page and "<i>note</i>" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page

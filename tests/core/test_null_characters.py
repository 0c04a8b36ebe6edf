"""A null character in a form or an address is refused with a page that says so, and nothing is saved
(PostgreSQL cannot store it in text; nobody types one)."""

from __future__ import annotations

import pytest

from tandem.clinics.models import ClinicSession


@pytest.fixture
def manager(client, universe):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    user = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None)
    client.force_login(user)
    return client


@pytest.mark.parametrize("where", ["form", "address", "multipart"])
def test_a_null_character_is_refused_before_anything_is_saved(manager, universe, where):
    from tandem.messaging.models import WordingVersion

    url = "/prepare/wording/intro/standard/"
    data = {"text": "Hello\x00there", "version": "0", "note": ""}
    if where == "form":
        response = manager.generic("POST", url, "text=Hello%00there&version=0",
                                   content_type="application/x-www-form-urlencoded")
    elif where == "multipart":
        response = manager.post(url, data)
    else:
        response = manager.get("/clinics/?week=2026-06-15%00")
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem with what was sent" in page
    assert "a null character" in page
    assert not WordingVersion.objects.exists() and not ClinicSession.objects.exists()


def test_ordinary_text_is_not_touched(manager):
    assert manager.get("/clinics/?week=2026-06-15").status_code == 200

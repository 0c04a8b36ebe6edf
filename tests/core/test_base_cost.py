"""What every signed-in page pays for, kept small without changing what anyone sees or may do.

The session and the user (with their memberships and practices) are read in two queries, by plain
statements rather than the ORM; the layout's header, skip link and footer are rendered once per
process for each set of values they show, so an edit made through any server process shows on the
next request; pages are compressed with gzip at a cheaper level."""

from __future__ import annotations

import datetime as dt
import gzip
import re

from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.core import compression, layout
from tandem.core.middleware import StaffBackend
from tandem.core.models import Membership, Practice, User


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def test_a_signed_in_request_reads_its_session_and_its_user_with_practices_and_roles_in_two_queries(nurse_client):
    nurse_client.get(reverse("home"))
    assert _queries(nurse_client, reverse("healthz_live")) == 2
    # and the home page's own: the nurse's work (tests/core/home_queries.py), with nobody named today
    from tests.core.home_queries import HOME_QUERIES

    assert _queries(nurse_client, reverse("home")) == 2 + HOME_QUERIES - 1


def test_the_user_memberships_and_practices_are_read_as_the_orm_reads_them(universe):
    User.objects.filter(pk=universe.nurse.pk).update(last_login=timezone.now() - dt.timedelta(hours=3))
    Practice.objects.filter(pk=universe.practice.pk).update(require_two_factor=True)
    core_actions_second_practice = Membership.objects.create(
        user=universe.nurse, practice=universe.other_practice, role="gp")

    with CaptureQueriesContext(connection) as captured:
        user = StaffBackend().get_user(str(universe.nurse.pk))
        memberships = list(user.memberships.all())
    assert len(captured) == 1

    expected = list(Membership.objects.select_related("user", "practice").filter(user=universe.nurse).order_by("pk"))
    assert [m.pk for m in memberships] == [m.pk for m in expected]
    for model, mine, theirs in [(User, user, expected[0].user)] + [
            pair for m, e in zip(memberships, expected, strict=True)
            for pair in ((Membership, m, e), (Practice, m.practice, e.practice))]:
        for field in model._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), (model.__name__, field.name)
    assert isinstance(user.is_active, bool) and timezone.is_aware(user.last_login)
    assert all(m.user is user for m in memberships)
    assert memberships[0].practice.require_two_factor is True
    assert not user._state.adding and user._state.db == "default"
    assert core_actions_second_practice.pk in {m.pk for m in memberships}


def test_no_user_for_a_missing_or_inactive_id(universe):
    backend = StaffBackend()
    assert backend.get_user(10**9) is None
    assert backend.get_user(2**70) is None
    User.objects.filter(pk=universe.nurse.pk).update(is_active=False)
    assert backend.get_user(universe.nurse.pk) is None


def test_a_session_past_its_expiry_or_unknown_signs_nobody_in(nurse_client):
    assert nurse_client.get(reverse("core:account")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert nurse_client.get(reverse("core:account")).status_code == 302
    stranger = Client()
    stranger.cookies["sessionid"] = "a" * 32
    assert stranger.get(reverse("core:account")).status_code == 302


def test_the_header_shows_an_edited_practice_name_and_persons_name_on_the_next_request(nurse_client, universe):
    page = nurse_client.get(reverse("home")).content.decode()
    assert "Riverside Surgery" in page and "Nia Evans" in page
    # As another server process would: straight to the database, nothing in this process told.
    Practice.objects.filter(pk=universe.practice.pk).update(name="Riverside Health Centre")
    User.objects.filter(pk=universe.nurse.pk).update(first_name="Nia-Mai")
    page = nurse_client.get(reverse("home")).content.decode()
    header = page[page.index("<header"):page.index("</header>")]
    assert "Riverside Health Centre" in header and "Nia-Mai Evans" in header
    assert "Riverside Surgery" not in page and "Nia Evans" not in page


def test_the_header_shows_the_navigation_the_roles_allow(client, universe):
    client.force_login(universe.admin)
    header = client.get(reverse("home")).content.decode().split("</header>")[0]
    assert "Find a patient" in header and "Import records" not in header and "Background work" not in header
    client.force_login(universe.nurse)
    page = client.get(reverse("recall:board")).content.decode()
    current = re.search(r'nhsuk-header__navigation-item--current[^>]*>\s*<a[^>]*>\s*(?:<strong[^>]*>)?\s*([^<]+)', page)
    assert current and current.group(1).strip() == "Recall"


def test_the_header_escapes_a_name_and_signs_out_with_this_requests_token(universe):
    User.objects.filter(pk=universe.nurse.pk).update(first_name='<b onmouseover="x()">Nia</b> <csrf-token>')
    client = Client(enforce_csrf_checks=True)
    client.force_login(universe.nurse)
    page = client.get(reverse("home")).content.decode()
    assert '<b onmouseover' not in page and "&lt;b onmouseover=&#34;x()&#34;&gt;Nia&lt;/b&gt; &lt;csrf-token&gt;" in page
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', page)
    assert len(tokens) == 1
    second = client.get(reverse("home")).content.decode()
    assert re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', second) != tokens  # masked anew
    response = client.post(reverse("core:logout"), {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302
    assert client.get(reverse("core:account")).status_code == 302  # signed out


def test_error_pages_and_signed_out_pages_have_the_plain_header(client, universe):
    page = client.get(reverse("core:login")).content.decode()
    assert "nhsuk-header" in page and "Sign out" not in page and "Find a patient" not in page
    assert page.count("Skip to main content") == 1 and "Tandem – synthetic data only" in page


def test_pages_are_compressed_for_browsers_that_ask_and_only_for_them(nurse_client, universe):
    plain = nurse_client.get(reverse("patients:summary", args=[universe.patient.pk]))
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    packed = nurse_client.get(reverse("patients:summary", args=[universe.patient.pk]), HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip" and int(packed["Content-Length"]) == len(packed.content)
    html = gzip.decompress(packed.content).decode()
    assert html.lstrip().startswith("<!DOCTYPE html>") and "Margaret" in html and html.rstrip().endswith("</html>")


def test_compression_keeps_the_random_padding_against_breach_at_any_level():
    body = b"<p>The same page, again and again.</p>" * 500
    sizes = set()
    for _ in range(20):
        packed = compression.compress(body, level=2, max_random_bytes=100)
        assert gzip.decompress(packed) == body
        sizes.add(len(packed))
    assert len(sizes) > 1
    assert len(compression.compress(body, level=9, max_random_bytes=1)) <= len(
        compression.compress(body, level=1, max_random_bytes=1))


def test_the_header_and_footer_are_rendered_once_and_then_reused(nurse_client):
    nurse_client.get(reverse("home"))
    header, fixed = layout._header_parts.cache_info(), layout._fixed.cache_info()
    nurse_client.get(reverse("home"))
    assert layout._header_parts.cache_info().misses == header.misses
    assert layout._header_parts.cache_info().hits == header.hits + 1
    assert layout._fixed.cache_info().misses == fixed.misses and layout._fixed.cache_info().hits == fixed.hits + 2

"""Everything a page needs is served by Tandem itself, so no page waits on another host."""

from __future__ import annotations

import posixpath
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured

from tandem.core.staticfiles import NHSUKFrontendFinder, self_contained_css

OTHER_HOST = re.compile(r"^([a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""")


def _static_path(address: str) -> str:
    return address.removeprefix(settings.STATIC_URL)


@pytest.mark.django_db
def test_every_file_the_sign_in_page_loads_is_served_by_tandem(client):
    html = client.get("/sign-in/").content.decode()
    addresses = re.findall(r'(?:href|src)="([^"#]+)"', html) + re.findall(r'import .* from "([^"]+)"', html)
    assert any(a.endswith(".css") for a in addresses) and any(a.endswith(".js") for a in addresses)
    for address in addresses:
        assert not OTHER_HOST.match(address), address
        if address.startswith(settings.STATIC_URL):
            assert finders.find(_static_path(address)), f"{address} is not served"


def test_the_nhs_stylesheet_declares_no_web_font_and_every_image_it_uses_is_served_by_tandem():
    css = open(finders.find("nhsuk/nhsuk-frontend.min.css"), encoding="utf-8").read()
    assert "@font-face" not in css
    assert "assets.nhs.uk" not in css
    assert "Frutiger W01,arial,sans-serif" in css  # the NHS.UK font stack, so Arial is used where Frutiger is not installed
    images = [u for u in CSS_URL.findall(css) if not u.startswith("data:")]
    assert len(images) >= 4  # the search box's clear button and the sortable table arrows
    for image in images:
        assert not OTHER_HOST.match(image) and not image.startswith("/"), image
        assert finders.find(posixpath.normpath(posixpath.join("nhsuk", image))), f"{image} is not served"


def test_only_the_published_frontend_files_are_served():
    assert finders.find("nhsuk/nhsuk-frontend.min.js")
    assert finders.find("nhsuk/assets/images/favicon.svg")
    assert finders.find("nhsuk/index.scss") is None
    assert finders.find("nhsuk/../package.json") is None


def test_a_frontend_release_whose_stylesheet_reaches_another_host_is_refused_naming_the_address(tmp_path, settings):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "nhsuk-frontend.min.css").write_text(
        "@font-face{font-family:X;src:url(https://fonts.example/x.woff2)}"
        ".logo{background:url('https://cdn.example/logo.png')}", encoding="utf-8")
    settings.NHSUK_FRONTEND_DIST, settings.VAR_DIR = dist, tmp_path / "var"
    with pytest.raises(ImproperlyConfigured, match=r"https://cdn\.example/logo\.png"):
        NHSUKFrontendFinder().find("nhsuk/nhsuk-frontend.min.css")


@pytest.mark.parametrize(("original", "served"), [
    ("@font-face{font-family:F;src:url(https://a.example/f.woff2)}body{color:red}", "body{color:red}"),
    (".x{background:url(/assets/images/a.svg)}", ".x{background:url(assets/images/a.svg)}"),
    (".x{mask:url('/assets/images/a.svg')}", ".x{mask:url('assets/images/a.svg')}"),
    (".x{top:0}\n/*# sourceMappingURL=nhsuk-frontend.min.css.map */", ".x{top:0}\n"),
])
def test_the_served_stylesheet_drops_web_fonts_and_finds_its_images_beside_itself(original, served):
    assert self_contained_css(original) == served

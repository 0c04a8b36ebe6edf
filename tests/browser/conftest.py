"""Browser tests: Playwright driving Debian chromium against a live test server.

Every page a test visits goes through `visit()` (or `check_accessibility()` after a
click or form submission), which runs axe-core and fails on any serious or critical
WCAG 2.2 AA violation, and fails if the page asked any host but the test server for
anything (fonts, scripts, images): no page may wait on another machine. Such requests
are refused as they are made, and a test that made one fails at its end even if it
never checked a page.

Outside CI the tests skip when chromium is not installed; in CI (CI set) they fail.
Set TANDEM_SCREENSHOTS=1 to write full-page screenshots to docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PASSWORD = "correct-horse-battery"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _missing() -> str:
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.exists()]
    return f"browser tests need {', '.join(missing)} (install chromium and run npm ci)" if missing else ""


def pytest_collection_modifyitems(config, items):
    """Outside CI, skip (saying why) when chromium or axe-core is missing; in CI the browser fixture fails."""
    reason = _missing()
    if not reason or os.environ.get("CI"):
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API runs an event loop in this thread,
    so Django is told the tests' own (synchronous) ORM calls are safe meanwhile; the setting
    is removed again afterwards so it never reaches other tests or the processes they start."""
    from playwright.sync_api import sync_playwright

    if reason := _missing():
        pytest.fail(f"CI must run the browser tests, but {reason}", pytrace=False)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _one_request_at_a_time(live_server) -> None:
    """The test server answers one request at a time. On SQLite its request threads share the test
    database's one in-memory connection, and a page that sends two requests at once (an autosave and
    a new row) then breaks that connection ("bad parameter or other API misuse"), which no real
    deployment does (each of its threads has its own connection)."""
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if getattr(app, "one_at_a_time", False):
        return
    lock = threading.Lock()

    def serialized(environ, start_response):
        with lock:
            return app(environ, start_response)

    serialized.one_at_a_time = True
    httpd.set_app(serialized)


@pytest.fixture
def page(browser, live_server):
    _one_request_at_a_time(live_server)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/London")
    outside, allowed = _refuse_other_hosts(context, live_server.url)
    page = context.new_page()
    page.tandem_allowed_hosts = allowed  # a test that signs in through a local OpenID provider adds its host
    page.set_default_timeout(15_000)
    page.tandem_outside_requests = outside
    page.csp_violations = _record_csp_violations(context, page)
    yield page
    context.close()
    assert not outside, _describe_outside(outside)
    assert not page.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(page.csp_violations)


def _record_csp_violations(context, page) -> list[str]:
    """Note every Content-Security-Policy violation on any page of the test (the browser's
    securitypolicyviolation event, and its console errors about the policy); the test fails at its end."""
    violations: list[str] = []
    context.add_init_script("""document.addEventListener("securitypolicyviolation", (e) => console.error(
        `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));""")

    def on_console(message):
        if message.type == "error" and ("Content Security Policy" in message.text or "CSP violation" in message.text):
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return violations


def _refuse_other_hosts(context, server_url: str) -> tuple[list[str], set[str]]:
    """Refuse, and note, every request the browser makes to a host other than the test server (and the
    hosts a test adds to the returned set: only a local OpenID provider the test started)."""
    allowed = {urlsplit(server_url).netloc}
    outside: list[str] = []

    def is_outside(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.netloc not in allowed

    def refuse(route):
        outside.append(route.request.url)
        route.abort("blockedbyclient")

    context.route(is_outside, refuse)
    return outside, allowed


def _describe_outside(urls: list[str]) -> str:
    hosts = sorted({urlsplit(u).netloc for u in urls})
    return (f"pages asked other hosts for {len(urls)} file(s) ({', '.join(hosts)}), e.g. {urls[0]}; "
            "Tandem must serve everything a page needs itself")


def check_no_other_hosts(page) -> None:
    """Fail if the page (or an earlier one in this test) asked a host other than the test server for anything."""
    outside = getattr(page, "tandem_outside_requests", [])
    if outside:
        raise AssertionError(f"on {page.url}: {_describe_outside(outside)}")


class AccessibilityViolations(AssertionError):
    pass


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'])}: {node.get('failureSummary', '').strip()}")
            lines.append(f"       {node['html'][:200]}")
    return "\n".join(lines)


def check_accessibility(page) -> None:
    """Run axe on the page as it is now; fail on serious or critical WCAG 2.2 AA violations,
    and on any request the page made to another host."""
    check_no_other_hosts(page)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, not a <script> tag: the page's Content-Security-Policy allows
        # no inline script without its nonce, and the test must not loosen it.
        page.evaluate(f"() => {{ {AXE.read_text()}\n }}")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        raise AccessibilityViolations(f"axe found problems on {page.url}:\n{_describe(blocking)}")


def visit(page, path: str, *, status: int = 200):
    """Open `path`, check the response status, and check the page with axe and for other hosts.
    The page has finished loading (its fonts, styles and scripts) before it is checked."""
    response = page.goto(path, wait_until="load")
    assert response is not None and response.status == status, (
        f"{path} answered {response.status if response else 'nothing'}, expected {status}"
    )
    check_accessibility(page)
    return response


def screenshot(page, name: str) -> None:
    """A full-page screenshot in docs/screenshots/, only when TANDEM_SCREENSHOTS=1."""
    if os.environ.get("TANDEM_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.mouse.move(0, 0)  # no hover or focus styles in the picture
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    visit(page, "/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    check_accessibility(page)


@pytest.fixture
def clinic(transactional_db):
    """A practice with a nurse and a multimorbid patient, another practice with its own patient,
    and a GP who works at both."""
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.patients import actions as patient_actions

    from .people import multimorbid_patient

    class Clinic:
        pass

    c = Clinic()
    c.practice = core_actions.create_practice(ods_code="A81001", name="Riverside Surgery", by=None,
                                              town="Leeds", postcode="LS6 1AA")
    c.other_practice = core_actions.create_practice(ods_code="B82002", name="Hillview Medical Centre", by=None)
    c.nurse = core_actions.add_staff(practice=c.practice, username="nurse", role=Role.NURSE, by=None,
                                     password=PASSWORD, first_name="Nia", last_name="Evans")
    c.gp = core_actions.add_staff(practice=c.practice, username="gp", role=Role.GP, by=None, password=PASSWORD,
                                  first_name="Tom", last_name="Adeyemi")
    core_actions.add_staff(practice=c.other_practice, username="gp", role=Role.GP, by=None)
    c.patient = multimorbid_patient(practice=c.practice, by=c.nurse)
    patient_actions.set_named_clinician(patient=c.patient, by=c.nurse, clinician=c.nurse)
    patient_actions.register_patient(practice=c.practice, by=None, nhs_number="9990000042", given_name="Derek",
                                     family_name="Whitfield", date_of_birth=dt.date(1950, 8, 30), sex="male",
                                     postcode="LS6 2QT")
    c.foreign_patient = patient_actions.register_patient(
        practice=c.other_practice, by=None, nhs_number="9990000026", given_name="Brian", family_name="Hollis",
        date_of_birth=dt.date(1955, 9, 12), sex="male",
    )
    return c


"""What `make demo` serves really runs: gunicorn with the demo profile (no DEBUG), static files collected
with cache-busted names and long cache lifetimes, NHS.UK error pages, and the demo mail sink beside it.

The server is started by `scripts/serve-demo`, the same script `make demo` runs, on free ports against
a small migrated SQLite database of its own, and stopped at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT = 120  # seconds: collecting and compressing the static files, then starting gunicorn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the demo server stopped (exit {process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listened on port {port} within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


class Server:
    def __init__(self, url: str, sink_port: int, log: Path):
        self.url, self.sink_port, self.log = url, sink_port, log

    def get(self, path: str, **headers) -> tuple[int, dict, str]:
        request = urllib.request.Request(self.url + path, headers=headers)  # noqa: S310 - http to our own server
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    var = tmp_path_factory.mktemp("demo-var")
    env = {k: v for k, v in os.environ.items() if k not in (
        "DATABASE_URL", "TANDEM_PROFILE", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL", "TANDEM_PUBLIC_URL",
        "TANDEM_DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update({"TANDEM_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'demo.sqlite3'}",
                "TANDEM_BIN": str(BIN)})
    migrated = subprocess.run([str(BIN / "tandem"), "migrate", "--verbosity", "0"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    web, sink = _free_port(), _free_port()
    log = var / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(ROOT / "scripts" / "serve-demo"), f"127.0.0.1:{web}", str(sink)],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(web, process, log)
        _wait_for_port(sink, process, log)
        yield Server(f"http://127.0.0.1:{web}", sink, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the script, gunicorn, the mail sink and the worker
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_the_demo_is_served_by_gunicorn_and_opens_at_the_sign_in_page(demo_server):
    status, headers, html = demo_server.get("/")
    assert status == 200
    assert headers.get("Server", "").startswith("gunicorn")
    assert "<h1>Sign in</h1>" in html or "Sign in" in html
    assert "nhsuk-header" in html
    assert "Booting worker" in demo_server.log.read_text()


def test_the_demo_serves_its_static_files_compressed_with_names_browsers_can_keep_for_a_year(demo_server):
    _, _, html = demo_server.get("/sign-in/")
    stylesheet = re.search(r'href="(/static/nhsuk/nhsuk-frontend\.min\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "the NHS.UK stylesheet is linked by its cache-busted name"
    assert re.search(r'src="/static/htmx/htmx\.min\.[0-9a-f]{12}\.js"', html)
    status, headers, css = demo_server.get(stylesheet.group(1))
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1)) >= 365 * 24 * 3600
    assert "@font-face" not in css and "assets.nhs.uk" not in css
    status, headers, _ = demo_server.get(stylesheet.group(1), **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"


def test_an_unknown_address_in_the_demo_is_the_nhs_page_not_found_not_a_debug_page(demo_server):
    status, _, html = demo_server.get("/patients/no-such-page/")
    assert status == 404
    assert "<h1>Page not found</h1>" in html and "nhsuk-header" in html
    for detail in ("URLconf", "urlpatterns", "DEBUG = True", "Django tried these URL patterns", "admin/"):
        assert detail not in html


def test_the_demo_mail_sink_runs_beside_the_server(demo_server):
    with smtplib.SMTP("127.0.0.1", demo_server.sink_port, timeout=10) as smtp:
        code, _ = smtp.noop()
    assert code == 250


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_serves_through_the_script_that_starts_gunicorn():
    dry_run = subprocess.run([shutil.which("make"), "-n", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert dry_run.returncode == 0, dry_run.stderr
    assert "scripts/serve-demo" in dry_run.stdout
    assert "runserver" not in dry_run.stdout and "tandem serve" not in dry_run.stdout
    script = (ROOT / "scripts" / "serve-demo").read_text()
    assert '/gunicorn" --config python:tandem.gunicorn_conf' in script and "TANDEM_PROFILE=demo" in script

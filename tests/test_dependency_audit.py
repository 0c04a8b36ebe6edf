"""The locked dependencies are audited for known vulnerabilities. A vulnerable pin fails the suite
with a message that names the package, its version, the advisory and the versions that fix it.

Offline, on every machine: each version in uv.lock is checked against the version ranges of a
vendored snapshot of the PyPA advisory database (tests/advisories/: its README says the snapshot's
commit and date, and how to refresh it with scripts/update-advisories).

Online, as well: the lock is exported as pinned requirements and checked with pip-audit. pip-audit asks PyPI's per-release JSON (which carries each release's advisories), or OSV. Where
neither answers for any package (a network that reaches only the package index), the audit cannot
be made: the test says so and skips, or fails when TANDEM_REQUIRE_DEPENDENCY_AUDIT=1 (set it where
the audit must run). That the chain (export, pip-audit, report) catches a vulnerable pin is shown
on every machine against a local stand-in for OSV serving a real Django advisory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
ADVISORIES = ROOT / "tests" / "advisories" / "pypa.json"
REFRESH_HINT = ("Refresh the snapshot: see tests/advisories/README.md "
                "(scripts/update-advisories, from a clone of the PyPA advisory database).")
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"
TIMEOUT = 120
FIX_HINT = ("Upgrade it in the lock (`uv lock --upgrade-package NAME`, then `uv sync`) and run the suite again; "
            "if no fixed version exists yet, record why it is safe here before ignoring the advisory "
            "(pip-audit --ignore-vuln ID).")

# CVE-2023-36053: potential regular expression denial of service in EmailValidator and URLValidator,
# Django 4.2 before 4.2.3 (https://www.djangoproject.com/weblog/2023/jul/03/security-releases/).
VULNERABLE_PIN = ("django", "4.2.0")
DJANGO_ADVISORY = {
    "id": "CVE-2023-36053",
    "summary": "Potential regular expression denial of service vulnerability in EmailValidator/URLValidator",
    "affected": [{"package": {"name": "django", "ecosystem": "PyPI"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "4.2"}, {"fixed": "4.2.3"}]}]}],
}


@dataclass
class Audit:
    vulnerable: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # name, version, id, fixes
    audited: list[str] = field(default_factory=list)
    not_audited: list[str] = field(default_factory=list)
    problem: str = ""

    def message(self) -> str:
        lines = [f"Known vulnerabilities in the locked dependencies (uv.lock), {len(self.vulnerable)} found:"]
        for name, version, vuln_id, fixes in self.vulnerable:
            fixed = f"fixed in {', '.join(fixes)}" if fixes else "no fixed version yet"
            lines.append(f"  {name} {version}: {vuln_id} ({fixed})")
        return "\n".join([*lines, FIX_HINT])


def locked_requirements(tmp_path: Path) -> Path:
    """uv.lock as pinned requirements (every group: the tools run in CI too)."""
    uv = ROOT / ".tools" / "bin" / "uv"
    uv = str(uv) if uv.exists() else shutil.which("uv")
    assert uv, "uv is needed to export the lock: run scripts/setup (it installs uv into .tools/)"
    out = tmp_path / "requirements.txt"
    result = subprocess.run([uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--all-groups",
                             "--quiet", "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, f"uv could not export uv.lock:\n{result.stderr[-2000:]}"
    return out


def audit(requirements: Path, *, osv_url: str | None = None, service: str = "pypi") -> Audit:
    report = requirements.with_suffix(".audit.json")
    command = [str(PIP_AUDIT), "-r", str(requirements), "--no-deps", "--disable-pip", "--progress-spinner", "off",
               "--timeout", "20", "-f", "json", "-o", str(report)]
    if osv_url or service == "osv":
        command += ["-s", "osv"] + (["--osv-url", osv_url] if osv_url else [])
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    if not report.exists():  # the service could not be reached at all
        return Audit(problem=(result.stderr.strip().splitlines() or ["no output"])[-1][:300])
    found = Audit()
    for dependency in json.loads(report.read_text())["dependencies"]:
        if "skip_reason" in dependency:
            found.not_audited.append(dependency["name"])
            continue
        found.audited.append(dependency["name"])
        for vuln in dependency.get("vulns", []):
            found.vulnerable.append((dependency["name"], dependency["version"], vuln["id"], vuln["fix_versions"]))
    return found


def audit_with_any_service(requirements: Path) -> Audit:
    """PyPI's advisories first, then OSV's; the first that answers for the packages."""
    tried = []
    for service in ("pypi", "osv"):
        found = audit(requirements, service=service)
        if found.audited:
            return found
        tried.append(f"{service}: {found.problem or f'none of {len(found.not_audited)} packages could be looked up'}")
    return Audit(problem="; ".join(tried))


def cannot_audit(problem: str) -> None:
    text = (f"No vulnerability service answered, so the locked dependencies were not audited ({problem}). "
            "Set TANDEM_REQUIRE_DEPENDENCY_AUDIT=1 to make this a failure.")
    if os.environ.get("TANDEM_REQUIRE_DEPENDENCY_AUDIT") == "1":
        pytest.fail(text)
    pytest.skip(text)


def with_pin(requirements: Path, name: str, version: str) -> Path:
    """The exported lock with one package pinned to another version (a downgrade in the lock)."""
    text = re.sub(rf"(?im)^{re.escape(name)}==\S+", f"{name}=={version}", requirements.read_text())
    assert f"{name}=={version}" in text, f"{name} is not in the lock"
    pinned = requirements.with_name("pinned.txt")
    pinned.write_text(text)
    return pinned


class _Osv(BaseHTTPRequestHandler):
    """Answers OSV's /v1/query as OSV does: the advisories for one package version, or {}."""

    advisories = {VULNERABLE_PIN: [DJANGO_ADVISORY]}

    def do_POST(self):  # noqa: N802 - http.server's name
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = (query["package"]["name"].lower(), query["version"])
        body = json.dumps({"vulns": self.advisories[key]} if key in self.advisories else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_osv():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Osv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1/query"
    server.shutdown()
    server.server_close()


def test_the_locked_dependencies_have_no_known_vulnerabilities(tmp_path):
    found = audit_with_any_service(locked_requirements(tmp_path))
    if not found.audited:
        cannot_audit(found.problem)
    assert not found.vulnerable, found.message()


def test_a_known_vulnerable_pin_in_the_lock_fails_with_a_clear_message(tmp_path, local_osv):
    requirements = with_pin(locked_requirements(tmp_path), *VULNERABLE_PIN)
    found = audit(requirements, osv_url=local_osv)
    assert found.audited and not found.not_audited, found.problem
    assert found.vulnerable == [("django", "4.2.0", "CVE-2023-36053", ["4.2.3"])]
    assert found.message().splitlines()[:2] == [
        "Known vulnerabilities in the locked dependencies (uv.lock), 1 found:",
        "  django 4.2.0: CVE-2023-36053 (fixed in 4.2.3)",
    ]
    assert "uv lock --upgrade-package" in found.message()


def test_the_locked_django_is_not_reported_by_the_same_advisories(tmp_path, local_osv):
    found = audit(locked_requirements(tmp_path), osv_url=local_osv)
    assert "django" in found.audited and not found.vulnerable


def test_the_real_advisories_report_an_old_django(tmp_path):
    """The same, against the real services, where they can be reached."""
    pinned = tmp_path / "old.txt"
    pinned.write_text("django==4.2.0\n")
    found = audit_with_any_service(pinned)
    if not found.audited:
        cannot_audit(found.problem)
    assert any(name == "django" for name, *_ in found.vulnerable), found


# --- Offline: the locked versions against the vendored advisories' ranges --------------------------

def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_text: str | None = None) -> list[tuple[str, str]]:
    """(package, version) for every package in uv.lock, except the project itself."""
    import tomllib

    lock = tomllib.loads(lock_text if lock_text is not None else (ROOT / "uv.lock").read_text())
    return sorted({(normalise(p["name"]), p["version"]) for p in lock["package"]
                   if "editable" not in p.get("source", {}) and "virtual" not in p.get("source", {})})


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """OSV's rule for an ECOSYSTEM range: walk its events in version order; `introduced` opens,
    `fixed` closes at that version, `last_affected` closes after it ("0" is before every version)."""
    walked = []
    for event in events:
        (kind, value), = event.items()
        at = Version("0") if value == "0" else _version(value)
        if at is not None and kind in ("introduced", "fixed", "last_affected"):
            walked.append((at, kind))
    affected = False
    for at, kind in sorted(walked, key=lambda e: e[0]):
        if kind == "introduced" and version >= at:
            affected = True
        elif kind == "fixed" and version >= at:
            affected = False
        elif kind == "last_affected" and version > at:
            affected = False
    return affected


def fixed_in(version: Version, ranges: list[list[dict[str, str]]]) -> list[str]:
    """The first fixed version above `version` in each range that holds it."""
    fixes = []
    for events in ranges:
        if in_range(version, events):
            later = sorted((v for e in events for kind, text in e.items()
                            if kind == "fixed" and (v := _version(text)) is not None and v > version))
            if later:
                fixes.append(str(later[0]))
    return sorted(set(fixes), key=Version)


def offline_audit(locked: list[tuple[str, str]], snapshot: dict) -> Audit:
    found = Audit()
    for name, text in locked:
        if name not in snapshot["packages"]:
            found.not_audited.append(name)
            continue
        found.audited.append(name)
        version = _version(text)
        for advisory in snapshot["packages"][name]:
            hit = (version is not None and any(in_range(version, events) for events in advisory["ranges"])) or (
                text in advisory.get("versions", []))
            if hit:
                named = advisory["id"] + "".join(f" / {alias}" for alias in advisory["aliases"])
                found.vulnerable.append((name, text, named, fixed_in(version, advisory["ranges"]) if version else []))
    return found


@pytest.fixture(scope="module")
def snapshot() -> dict:
    return json.loads(ADVISORIES.read_text())


def test_the_locked_dependencies_are_outside_every_vendored_advisory(snapshot):
    found = offline_audit(locked_versions(), snapshot)
    assert not found.not_audited, (
        f"These locked packages are not in the vendored advisories: {', '.join(found.not_audited)}. {REFRESH_HINT}")
    assert not found.vulnerable, (f"{found.message()}\n(Advisories from the PyPA advisory database at "
                                  f"{snapshot['commit'][:12]}, {snapshot['date'][:10]}.)")


def test_the_vendored_advisories_catch_a_known_vulnerable_django_offline(snapshot):
    lock = (ROOT / "uv.lock").read_text()
    old = re.sub(r'(?m)^(name = "django"\nversion = )"[^"]+"', r'\1"4.2.0"', lock)
    assert old != lock, "django is not in the lock"
    found = offline_audit(locked_versions(old), snapshot)
    django = [v for v in found.vulnerable if v[0] == "django"]
    assert ("django", "4.2.0", "PYSEC-2023-100 / CVE-2023-36053", ["4.2.3"]) in django
    assert all(name == "django" for name, *_ in found.vulnerable)  # the rest of the lock stays clean
    message = found.message()
    assert "  django 4.2.0: PYSEC-2023-100 / CVE-2023-36053 (fixed in 4.2.3)" in message.splitlines()
    assert "uv lock --upgrade-package" in message


def test_a_package_added_without_refreshing_the_snapshot_is_named(snapshot):
    found = offline_audit([*locked_versions(), ("left-pad-py", "1.0")], snapshot)
    assert found.not_audited == ["left-pad-py"]


@pytest.mark.parametrize(("version", "events", "affected"), [
    ("4.2.0", [{"introduced": "4.2"}, {"fixed": "4.2.3"}], True),
    ("4.2.3", [{"introduced": "4.2"}, {"fixed": "4.2.3"}], False),
    ("4.1.9", [{"introduced": "4.2"}, {"fixed": "4.2.3"}], False),
    ("0.9", [{"introduced": "0"}, {"fixed": "1.1"}], True),
    # two branches, listed newest first as the database often does
    ("5.0.3", [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}], True),
    ("4.2.20", [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}], False),
    ("1.4", [{"introduced": "0"}, {"last_affected": "1.4"}], True),
    ("1.4.1", [{"introduced": "0"}, {"last_affected": "1.4"}], False),
    ("2.0rc1", [{"introduced": "0"}, {"fixed": "2.0"}], True),  # a pre-release before the fix
])
def test_version_ranges_are_read_as_osv_defines_them(version, events, affected):
    assert in_range(Version(version), events) is affected


def test_the_snapshot_holds_only_facts_and_says_where_it_is_from(snapshot):
    assert re.fullmatch(r"[0-9a-f]{40}", snapshot["commit"]) and snapshot["date"][:4].isdigit()
    readme = (ROOT / "tests" / "advisories" / "README.md").read_text()
    assert snapshot["commit"] in readme and snapshot["date"] in readme
    keys = {key for advisories in snapshot["packages"].values() for a in advisories for key in a}
    assert keys <= {"id", "aliases", "summary", "ranges", "versions"}

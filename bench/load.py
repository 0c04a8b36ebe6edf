"""Benchmark: the pages a clinician uses, under load, against the production server as `make demo`
starts it (scripts/serve-demo: gunicorn with the demo profile, the worker and the mail sink).

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/tandem_load10k \
        --label "PostgreSQL, 10,000 patients" [--patients 10000] [--seconds 10] [--levels 1,16,32] \
        [--writers 0] [--pages summary,fhir,...] [--write-docs]

The database must hold the demo (`tandem demo_setup`); with --patients it is set up first if it does
not. This process is the load generator: one thread per connection, each with its own keep-alive
connection (http.client), signed in once as the demo nurse. Each page is measured on its own for
--seconds at each number of connections, so the CPU time of the server processes (gunicorn's master
and workers, read from /proc, including workers that were replaced during the run) divided by the
requests answered is that page's CPU per request. The reference, measured in the same run, is a
minimal page through the whole middleware stack with no database (`/healthz/live`; the sign-in page
when there is none). With --writers N, N more threads autosave care plan drafts (one every
--write-interval seconds each, as clinicians typing) during the whole run; their failures and any
"database is locked" in the server's log are counted.

The load generator shares the machine's cores with the server: the numbers are for this machine,
two cores, both programs on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "load"
HEADING = "## Pages under load"
DEMO_PRACTICE = "Y90001"
USER, PASSWORD = "nurse", "tandem-demo"
TICKS = os.sysconf("SC_CLK_TCK")
GOAL_P95_MS = 300
INTRO = """
A load benchmark of the pages a clinician uses in a consultation, against the production server as
`make demo` starts it (`scripts/serve-demo`: gunicorn, demo profile, no DEBUG, the worker and the mail
sink running beside it), from a second process on the same machine. Each page is asked for on its own
for 10 s at 1, 16 and 32 connections (keep-alive, accepting gzip as a browser does, signed in as the
demo nurse); the reference is a minimal page through the whole middleware stack with no database (`/healthz/live`, or the sign-in page
where there is none), measured in the same run. **CPU ms/req** is the CPU time of gunicorn's master and
workers (from /proc, including workers replaced meanwhile) over the requests answered, so it does not
count the database server or the load generator; **x ref** is that over the reference's; **server
cores busy** is that CPU time over the wall time (2 would be both cores working only for Tandem's web
server: well below 2 with long waits means the server waited for the database or for other programs on
the machine); **errors** are answers other than 200, refused or dropped connections, and requests
not answered within 60 s (the client's timeout; gunicorn's own is 120 s). Reproduce with (the database loaded by
`tandem demo_setup --patients N`; `--code DIR` serves an exported commit, for a baseline):

```
.venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/tandem_load10k \\
    --label "PostgreSQL, 10,000 patients" --write-docs
.venv/bin/python bench/load.py --database-url sqlite:///var/load/load10k.sqlite3 --writers 4 \\
    --label "SQLite, 10,000 patients, 4 writers" --write-docs
```

On PostgreSQL the benchmark runs `ANALYZE` first (autovacuum would, a while after a load); on SQLite
it leaves the planner's statistics as Tandem left them. `--write-docs` replaces the tables of the run
with the same label (or adds them) and keeps every other run's tables and the analysis written by hand.

Goals (issue 10): on PostgreSQL with a 10,000-patient practice every clinical page's **p95 under
300 ms at 16 connections** (in bold below when met) and **no errors at 32**; a 100,000-patient practice
within 1.5 times the 10,000 case; on SQLite, the same load with clinicians autosaving care plan drafts
meanwhile gives no "database is locked". A run is only as quiet as the machine: the load average at
the start of each run is given, and latencies measured while other work shares the two cores are
longer than on a quiet machine (CPU per request much less so).
"""


# --- Server processes and their CPU -----------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the third (state) on


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def gunicorn_master(root_pid: int) -> int | None:
    """The first gunicorn process below `root_pid` (serve-demo runs it in the foreground)."""
    tree, todo = _children(), [root_pid]
    while todo:
        pid = todo.pop(0)
        for child in tree.get(pid, []):
            if "gunicorn" in _cmdline(child):
                return child
            todo.append(child)
    return None


def server_cpu_seconds(master: int) -> float:
    """CPU (user + system) of gunicorn's master and its live workers, plus what the master has
    collected from workers that exited (cutime, cstime)."""
    fields = _stat(master)
    if fields is None:
        return 0.0
    total = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for child in _children().get(master, []):
        if (cf := _stat(child)) is not None:
            total += int(cf[11]) + int(cf[12])
    return total / TICKS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """scripts/serve-demo on free ports, in its own process group, its output in a log file."""

    def __init__(self, database_url: str, log_path: Path, code: Path = ROOT):
        self.port, self.sink = free_port(), free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(code)}
        env.pop("TANDEM_EXPECT_DB", None)
        self.log_path = log_path
        self.log = log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [str(code / "scripts" / "serve-demo"), f"127.0.0.1:{self.port}", str(self.sink)],
            cwd=code, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.master = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"scripts/serve-demo stopped; see {log_path}")
            self.master = self.master or gunicorn_master(self.process.pid)
            if self.master and self._answers():
                return
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"The server did not answer within 120 s; see {log_path}")

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/sign-in/")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()

    def locked_errors(self) -> int:
        return self.log_path.read_text(errors="replace").count("database is locked")


# --- HTTP ----------------------------------------------------------------------------------------

@dataclass
class Session:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def _keep_cookies(response: http.client.HTTPResponse, cookies: dict[str, str]) -> None:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            cookies[key.strip()] = val.strip()


def sign_in(port: int) -> Session:
    session = Session(port=port)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/sign-in/")
    response = conn.getresponse()
    page = response.read().decode()
    _keep_cookies(response, session.cookies)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("The sign-in page has no CSRF token.")
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": USER, "password": PASSWORD})
    conn.request("POST", "/sign-in/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": session.header(),
        "Referer": f"http://127.0.0.1:{port}/sign-in/"})
    response = conn.getresponse()
    response.read()
    _keep_cookies(response, session.cookies)
    if response.status != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"Signing in as {USER} failed ({response.status}): is the demo loaded?")
    conn.request("GET", "/patients/", headers={"Cookie": session.header()})
    response = conn.getresponse()
    page = response.read().decode()
    _keep_cookies(response, session.cookies)
    conn.close()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    session.csrf = found.group(1) if found else session.cookies.get("csrftoken", "")
    return session


@dataclass
class Page:
    name: str
    path: str
    signed_in: bool = True


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200:
                self.latencies.append(seconds)
            else:
                self.errors += 1


def _client(session: Session, page: Page, deadline: float, tally: Tally) -> None:
    # As a browser asks: compressed where the server compresses (the CPU of compressing is counted).
    headers = {"Accept-Encoding": "gzip", **({"Cookie": session.header()} if page.signed_in else {})}
    conn = None
    while time.monotonic() < deadline:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", session.port, timeout=60)
        started = time.perf_counter()
        try:
            conn.request("GET", page.path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            status = 0  # refused, reset or timed out: an error
            conn.close()
            conn = None
        tally.add(time.perf_counter() - started, status)
    if conn is not None:
        conn.close()


def _writer(session: Session, patient_id: int, interval: float, stop: threading.Event, tally: Tally) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", session.port, timeout=60)
    typed = 0
    while not stop.is_set():
        typed += 1
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": session.csrf, "base_version": "0",
                                       "information": f"Draft note typed so far, keystroke {typed}."})
        started = time.perf_counter()
        try:
            conn.request("POST", f"/care-plans/{patient_id}/autosave/", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": session.header(),
                "X-CSRFToken": session.csrf, "HX-Request": "true",
                "Referer": f"http://127.0.0.1:{session.port}/care-plans/{patient_id}/"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", session.port, timeout=60)
        tally.add(time.perf_counter() - started, status)
        stop.wait(interval)
    conn.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def measure(server: Server, session: Session, page: Page, connections: int, seconds: float) -> dict:
    tally = Tally()
    cpu_before, wall_before = server_cpu_seconds(server.master), time.perf_counter()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(session, page, deadline, tally), daemon=True)
               for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 90)
    wall = time.perf_counter() - wall_before
    cpu = server_cpu_seconds(server.master) - cpu_before
    answered = len(tally.latencies) + tally.errors
    ms = [s * 1000 for s in tally.latencies]
    return {
        "page": page.name, "path": re.sub(r"\d+", "<id>", page.path), "connections": connections,
        "requests": answered, "ok": len(ms), "errors": tally.errors,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "throughput": answered / wall, "cpu_ms": 1000 * cpu / answered if answered else float("nan"),
        "cores": cpu / wall,
        "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms) if ms else float("nan"),
    }


# --- The demo's pages ---------------------------------------------------------------------------

def django_setup(database_url: str, code: Path) -> None:
    """Django from the code being served, to find the demo's people in its database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("TANDEM_EXPECT_DB", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(code))
    import django

    django.setup()


def migrate(database_url: str, code: Path) -> None:
    """As `make demo` does before serving: the database gets the tables of the code being served."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(code)}
    env.pop("TANDEM_EXPECT_DB", None)
    subprocess.run([str(ROOT / ".venv" / "bin" / "tandem"), "migrate", "--verbosity", "0"],  # noqa: S603
                   cwd=code, env=env, check=True)


def ensure_demo(database_url: str, patients: int | None) -> None:
    from tandem.core.models import Practice

    if Practice.objects.filter(ods_code=DEMO_PRACTICE).exists():
        return
    if not patients:
        raise SystemExit("The database has no demo: give --patients N to set it up (tandem demo_setup).")
    env = {**os.environ, "DATABASE_URL": database_url}
    tandem = str(ROOT / ".venv" / "bin" / "tandem")
    subprocess.run([tandem, "demo_setup", "--patients", str(patients)], env=env, check=True)  # noqa: S603


def demo_ids() -> dict:
    """The demo practice's size, a person with a saved care plan (preferably one with a
    conversation booked, as in clinic), and other people for the autosaving writers."""
    from django.db import connection

    from tandem.careplans.models import PlanVersion
    from tandem.core.models import Practice
    from tandem.patients.models import Patient
    from tandem.prepare.models import Conversation

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as a loaded practice would be
    practice = Practice.objects.get(ods_code=DEMO_PRACTICE)
    planned = set(PlanVersion.objects.filter(practice=practice).values_list("patient_id", flat=True))
    booked = set(Conversation.objects.filter(practice=practice).values_list("patient_id", flat=True))
    person = min(planned & booked or planned)
    others = list(Patient.objects.filter(practice=practice).exclude(pk__in=planned)
                  .order_by("pk").values_list("pk", flat=True)[:64])
    in_database = Patient.objects.count()
    return {"patient": person, "writers": others, "patients": practice.patients.count(),
            "patients_in_database": in_database, "vendor": connection.vendor}


def pages(patient: int, reference: Page) -> list[Page]:
    return [
        reference,
        Page("patient summary", f"/patients/{patient}/"),
        Page("FHIR care plan document", f"/care-plans/{patient}/fhir.json"),
        Page("care planning list (conversations, packs)", "/prepare/"),
        Page("recall board", "/recall/"),
        Page("care planning workspace", f"/care-plans/{patient}/"),
        Page("written plan PDF", f"/care-plans/{patient}/plan.pdf"),
    ]


def reference_page(port: int) -> Page:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/healthz/live")
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status == 200:
        return Page("reference: /healthz/live", "/healthz/live", signed_in=False)
    return Page("reference: sign-in page", "/sign-in/", signed_in=False)


# --- Report ---------------------------------------------------------------------------------------

def _ms(value: float) -> str:
    if value != value:  # nan
        return "-"
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def table(result: dict) -> str:
    rows = result["rows"]
    reference = {r["connections"]: r["cpu_ms"] for r in rows if r["page"].startswith("reference")}
    lines = ["| page | conns | req/s | CPU ms/req | x ref | server cores busy | p50 ms | p95 ms | p99 ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ref = reference.get(r["connections"]) or float("nan")
        p95 = _ms(r["p95"])
        cores = f"{r['throughput'] * r['cpu_ms'] / 1000:.2f}"  # CPU seconds per wall second
        if r["connections"] == 16 and not r["page"].startswith("reference"):
            p95 = f"**{p95}**" if r["p95"] < GOAL_P95_MS else p95
        lines.append(f"| {r['page']} | {r['connections']} | {r['throughput']:.1f} | {_ms(r['cpu_ms'])} | "
                     f"{r['cpu_ms'] / ref:.0f} | {cores} | {_ms(r['p50'])} | {p95} | {_ms(r['p99'])} | {r['errors']} |")
    return "\n".join(lines)


def summary(result: dict) -> str:
    bits = [f"{result['patients']:,} patients in the practice, {result['patients_in_database']:,} in the database; "
            f"{result['seconds']:g} s per page and level; server: {result['server']}."]
    if result.get("load_average"):
        bits.append(f"Load average at the start: {result['load_average']:.1f} (2 cores).")
    if result.get("writers"):
        w = result["writers"]
        bits.append(f"Writers: {w['threads']} threads autosaving drafts every {w['interval']:g} s during the "
                    f"run: {w['requests']} autosaves, {w['errors']} failed (statuses {w['statuses']}), "
                    f"p95 {_ms(w['p95'])} ms, max {_ms(w['max'])} ms; \"database is locked\" in the server's log: "
                    f"{w['locked']}.")
    return " ".join(bits)


def write_docs(result: dict) -> None:
    """Put this run's tables into docs/benchmarks.md: the subsection with the same label is replaced
    (or added before the upload's), the section's introduction rewritten, and every other run's tables
    and the written analysis are kept as they are."""
    docs = ROOT / "docs" / "benchmarks.md"
    text = docs.read_text()
    start = text.find(HEADING)
    if start == -1:
        text, start = text.rstrip("\n") + f"\n\n{HEADING}\n", len(text.rstrip("\n")) + 2
    end = text.find("\n## ", start + len(HEADING))
    end = len(text) if end == -1 else end + 1
    section = text[start:end]
    first_run = section.find("\n### ")
    body = section[first_run + 1:] if first_run != -1 else ""
    block = f"### {result['label']} (measured {result['measured']})\n\n{summary(result)}\n\n{table(result)}\n\n"
    mine = body.find(f"### {result['label']} (measured ")
    if mine != -1:
        after = body.find("\n### ", mine + 4)
        body = body[:mine] + block + (body[after + 1:] if after != -1 else "")
    else:
        upload = body.find("### A large upload")
        at = upload if upload != -1 else len(body)
        body = body[:at] + block + body[at:]
    section = f"{HEADING}\n\n{INTRO.strip()}\n\n{body.rstrip()}\n\n"
    docs.write_text((text[:start] + section + text[end:]).rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", required=True, help="the heading of this run in docs/benchmarks.md")
    parser.add_argument("--patients", type=int, help="set the demo up with this many patients if it is not")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per page and number of connections")
    parser.add_argument("--levels", default="1,16,32")
    parser.add_argument("--pages", default="", help="only pages whose name contains one of these (comma list)")
    parser.add_argument("--writers", type=int, default=0, help="threads autosaving care plan drafts meanwhile")
    parser.add_argument("--write-interval", type=float, default=1.0)
    parser.add_argument("--code", type=Path, default=ROOT, help="serve the Tandem in this directory (e.g. an "
                        "exported commit, `git archive HEAD | tar -x -C DIR`, for a baseline); default this one")
    parser.add_argument("--write-docs", action="store_true", help="record the run and rewrite the docs section")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # so the server is stopped too (finally)

    load_average = os.getloadavg()[0]
    migrate(args.database_url, args.code.resolve())
    django_setup(args.database_url, args.code.resolve())
    ensure_demo(args.database_url, args.patients)
    ids = demo_ids()
    from django.db import connections

    connections.close_all()
    RESULTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", args.label.lower()).strip("-")
    server = Server(args.database_url, RESULTS / f"server-{slug}.log", code=args.code.resolve())
    try:
        session = sign_in(server.port)
        chosen = pages(ids["patient"], reference_page(server.port))
        if args.pages:
            wanted = [w.strip() for w in args.pages.split(",") if w.strip()]
            chosen = [p for p in chosen if p.name.startswith("reference") or any(w in p.name for w in wanted)]
        for page in chosen:  # warm each page once (imports, compiled templates)
            _client(session, page, time.monotonic() + 0.5, Tally())
        stop, writes = threading.Event(), Tally()
        writers = [threading.Thread(target=_writer, daemon=True, args=(
            session, ids["writers"][i % len(ids["writers"])], args.write_interval, stop, writes))
            for i in range(args.writers)]
        for t in writers:
            t.start()
        rows = []
        for connections_ in [int(n) for n in args.levels.split(",")]:
            for page in chosen:
                row = measure(server, session, page, connections_, args.seconds)
                rows.append(row)
                print(f"{page.name:45} {connections_:>3} conns: {row['throughput']:6.1f} req/s, "
                      f"CPU {_ms(row['cpu_ms'])} ms/req, p95 {_ms(row['p95'])} ms, errors {row['errors']}",
                      flush=True)
        stop.set()
        for t in writers:
            t.join(timeout=90)
        time.sleep(0.5)
    finally:
        server.stop()
    ms = [s * 1000 for s in writes.latencies]
    result = {
        "label": args.label, "measured": dt.date.today().isoformat(), "seconds": args.seconds, "rows": rows,
        "load_average": load_average,
        "server": "scripts/serve-demo (gunicorn " + os.environ.get("WEB_CONCURRENCY", "2") + " workers x "
                  + os.environ.get("TANDEM_WEB_THREADS", "4") + " threads)",
        **{k: ids[k] for k in ("patients", "patients_in_database", "vendor")},
        "writers": {"threads": args.writers, "interval": args.write_interval, "requests": len(ms) + writes.errors,
                    "errors": writes.errors, "statuses": {str(k): v for k, v in sorted(writes.statuses.items())},
                    "p95": percentile(ms, 95), "max": max(ms) if ms else float("nan"),
                    "locked": server.locked_errors()} if args.writers else None,
    }
    print()
    print(summary(result))
    print()
    print(table(result))
    (RESULTS / f"result-{slug}.json").write_text(json.dumps(result, indent=1))
    if args.write_docs:
        write_docs(result)


if __name__ == "__main__":
    main()

"""Logs are JSON, one object a line, with the request's id, user id and practice id, one access line
per request (its URL name, never its path), and never an identifier."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
from django.urls import reverse

from tandem.core.logging import (
    DailyFileHandler,
    JsonFormatter,
    RedactIdentifiersFilter,
    RequestContextFilter,
)
from tandem.core.request_log import request_id_from


@pytest.fixture
def json_log():
    """Everything logged while the test runs, formatted as the settings format it (filters included)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactIdentifiersFilter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    def clear() -> None:
        stream.seek(0)
        stream.truncate()

    lines.clear = clear
    yield lines
    root.removeHandler(handler)
    root.setLevel(previous)


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "tandem.access"]


def test_the_settings_log_json_with_redaction_and_request_ids():
    from django.conf import settings

    console = settings.LOGGING["handlers"]["console"]
    assert settings.LOGGING["formatters"][console["formatter"]]["()"] == "tandem.core.logging.JsonFormatter"
    assert {"redact", "request"} <= set(console["filters"])


def test_one_access_line_per_request_with_url_name_status_timing_user_and_practice(client, universe, json_log):
    client.force_login(universe.nurse)
    json_log.clear()
    response = client.get(reverse("patients:summary", args=[universe.patient.pk]) + "?q=Okafor")
    assert response.status_code == 200
    [line] = access_lines(json_log())
    assert line["route"] == "patients:summary"
    assert line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == universe.nurse.pk and line["practice_id"] == universe.practice.pk
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert "Okafor" not in json.dumps(json_log()) and str(universe.patient.pk) + "/" not in line["message"]


def test_every_line_of_a_request_carries_its_id_user_and_practice(universe, json_log):
    from django.test import RequestFactory

    from tandem.core.request_log import RequestLogMiddleware

    def view(request):
        request.user = universe.nurse
        request.practice = universe.practice
        logging.getLogger("tandem.somewhere").warning("job %s could not start", 12)
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = RequestLogMiddleware(view)(RequestFactory().get("/"))
    lines = json_log()
    assert [line["logger"] for line in lines] == ["tandem.somewhere", "tandem.access"]
    for line in lines:
        assert line["request_id"] == response.headers["X-Request-ID"]
        assert line["user_id"] == universe.nurse.pk and line["practice_id"] == universe.practice.pk


def test_a_request_that_is_not_found_is_logged_once(client, universe, json_log):
    client.force_login(universe.nurse)
    json_log.clear()
    response = client.get(reverse("patients:summary", args=[universe.foreign_patient.pk]))
    assert response.status_code == 404
    [line] = access_lines(json_log())
    assert line["status"] == 404 and line["request_id"] == response.headers["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept_and_others_replaced(client, universe, json_log):
    kept = client.get(reverse("core:login"), headers={"X-Request-ID": "lb-7f3a9c01-0042"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c01-0042"
    for hostile in ("9990000018", "<script>alert(1)</script>", "x" * 500, "short", "a b c d e f g h"):
        replaced = client.get(reverse("core:login"), headers={"X-Request-ID": hostile})
        assert replaced.headers["X-Request-ID"] != hostile
        assert len(replaced.headers["X-Request-ID"]) == 32
    assert "9990000018" not in json.dumps(json_log())


def test_request_ids_are_fresh_for_each_request():
    assert request_id_from(None) != request_id_from(None)
    assert request_id_from("") != request_id_from("")


def test_signed_out_request_has_no_user_or_practice(client, universe, json_log):
    client.get(reverse("core:login"))
    [line] = access_lines(json_log())
    assert line["route"] == "core:login" and "user_id" not in line and "practice_id" not in line


def test_an_unmatched_address_is_logged_without_its_path(client, json_log):
    client.get("/no-such-page/9990000018/Okafor/")
    [line] = access_lines(json_log())
    assert line["route"] == "-" and line["status"] == 404
    assert "Okafor" not in json.dumps(json_log()) and "9990000018" not in json.dumps(json_log())


def test_an_exception_is_logged_by_type_and_place_never_its_text(json_log):
    try:
        raise ValueError("Margaret Okafor 9990000018")
    except ValueError:
        logging.getLogger("tandem.test").exception("import failed for job %s", 7)
    [line] = json_log()
    assert line["message"] == "import failed for job 7" and line["error"] == "ValueError"
    assert "Okafor" not in json.dumps(line) and line["trace"]
    assert "where" not in line  # no frame in Tandem's own code


def test_an_exception_says_where_in_tandems_code_it_happened(json_log):
    try:
        request_id_from(12345)  # not text: fails inside tandem/core/request_log.py
    except TypeError:
        logging.getLogger("tandem.test").exception("could not read a request id")
    [line] = json_log()
    assert line["error"] == "TypeError" and "tandem/core/request_log.py" in line["where"]
    assert "request_id_from" in line["where"]


def test_lines_outside_a_request_have_no_request_id(json_log):
    logging.getLogger("tandem.jobs.worker").info("job %s (%s) done", 3, "recall.send")
    [line] = json_log()
    assert "request_id" not in line and line["level"] == "INFO" and line["logger"] == "tandem.jobs.worker"
    assert dt.datetime.fromisoformat(line["time"]).tzinfo is not None


def test_log_files_are_one_a_day_and_kept_for_the_retention_days(tmp_path):
    handler = DailyFileHandler(str(tmp_path / "tandem.log"), keep_days=3)
    handler.setFormatter(JsonFormatter())
    for days_ago in range(10):  # an old, unrelated file is left alone
        day = dt.date.today() - dt.timedelta(days=days_ago + 1)
        (tmp_path / f"tandem.{day.isoformat()}.log").write_text("{}\n")
    (tmp_path / "other.log").write_text("kept\n")
    record = logging.LogRecord("tandem", logging.INFO, __file__, 1, "job %s done", (5,), None)
    handler.emit(record)
    handler.close()
    kept = sorted(p.name for p in tmp_path.iterdir())
    today = dt.date.today()
    assert kept == sorted([f"tandem.{(today - dt.timedelta(days=n)).isoformat()}.log" for n in range(3)] + ["other.log"])
    assert json.loads((tmp_path / f"tandem.{today.isoformat()}.log").read_text().splitlines()[-1])["message"] == "job 5 done"


def test_log_settings_refuse_nonsense(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import tandem.settings"], capture_output=True, text=True,
        env={"TANDEM_LOG_RETENTION_DAYS": "forever", "PATH": "/usr/bin:/bin", "TANDEM_VAR_DIR": str(tmp_path)},
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert result.returncode != 0 and "TANDEM_LOG_RETENTION_DAYS must be a whole number" in result.stderr


def test_djangos_own_error_lines_carry_the_request_id(client, db, json_log):
    response = client.get(reverse("healthz"))  # no worker has run: 503, which Django logs as an error
    assert response.status_code == 503
    errors = [line for line in json_log() if line["logger"] == "django.request"]
    assert errors and errors[0]["request_id"] == response.headers["X-Request-ID"]

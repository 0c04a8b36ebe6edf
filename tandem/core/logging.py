"""Tandem's logging: identifiers kept out, one JSON object a line, optional daily files.

Tandem's own log calls carry primary keys only. The redaction filter is the safety net for
anything else (library messages, exceptions): it masks digit runs that look like NHS
numbers, e-mail addresses, postcodes and reply-link tokens before a record is written.
The JSON formatter adds the request's id, user id and practice id to every line written while
serving a request (tandem.core.request_log). DailyFileHandler keeps a configurable number of days.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re
from pathlib import Path

from django.utils.functional import empty

_NHS = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE)
# A reply link's token or short code (tandem.messaging.links) is a password in a URL path: request
# logs must not keep it. A code is 8 characters (typed perhaps with a dash).
_REPLY_TOKEN = re.compile(r"/r/[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    text = _REPLY_TOKEN.sub("/r/[link]", text)
    text = _NHS.sub("[nhs-number]", text)
    text = _EMAIL.sub("[email]", text)
    return _POSTCODE.sub("[postcode]", text)


class RedactIdentifiersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# --- Structured (JSON) logs ------------------------------------------------------------------------
# One JSON object a line: time, level, logger, message, and the request's id, user id and practice id
# when the line was written while serving a request (tandem.core.request_log sets them). Only primary
# keys: the redaction filter above has already cleaned the message by the time it is formatted.


request_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("tandem_request", default=None)

# Attributes every LogRecord has; anything else on a record was passed as `extra=` and is logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# `extra=` keys that may be logged: counts, ids, timings, names of things in Tandem's own code.
_EXTRA_ALLOWED = {"method", "route", "status", "duration_ms", "job_id", "kind", "worker", "queued", "failed"}


def request_ids(request) -> tuple[int | None, int | None]:
    """(user id, practice id) of a request, as far as they are known yet. Never loads the user: a log
    line written before authentication has run simply has no user id."""
    user = request.__dict__.get("user")
    if user is not None and getattr(user, "_wrapped", None) is empty:
        user = None
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    practice = request.__dict__.get("practice")
    return user_id, getattr(practice, "pk", None)


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and practice_id (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get() or {}
        # Django's own request logger writes after the middleware has finished, with the request attached.
        request = context.get("request") or getattr(record, "request", None)
        if not hasattr(request, "META"):
            request = None
        user_id, practice_id = request_ids(request) if request is not None else (None, None)
        request_id = context.get("request_id") or getattr(request, "request_id", None)
        values = {"request_id": request_id, "user_id": user_id, "practice_id": practice_id}
        for key, value in values.items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        return True


_TANDEM_CODE = str(Path(__file__).resolve().parent.parent) + os.sep  # the tandem package


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "user_id", "practice_id"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        for key, value in vars(record).items():
            if key in _EXTRA_ALLOWED and key not in _STANDARD and value is not None:
                line[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type and where only: an exception's text and the values in a traceback can hold identifiers.
            exc_type, exc, tb = record.exc_info
            line["error"] = exc_type.__name__
            frames, where = [], None
            while tb is not None:
                frame = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno} in {tb.tb_frame.f_code.co_name}"
                frames.append(frame)
                if tb.tb_frame.f_code.co_filename.startswith(_TANDEM_CODE):
                    where = frame  # the deepest frame in Tandem's own code
                tb = tb.tb_next
            line["trace"] = frames[-8:]
            if where:
                line["where"] = where
        return json.dumps(line, default=str, ensure_ascii=False)


class DailyFileHandler(logging.Handler):
    """Writes to one file a day beside TANDEM_LOG_FILE (tandem.log -> tandem.2026-06-15.log) and removes
    the days older than `keep_days`. Safe with several server processes writing at once: each appends
    whole lines to the day's file, and no file is ever renamed."""

    def __init__(self, path: str, keep_days: int = 30):
        super().__init__()
        self.path = Path(path)
        self.keep_days = max(1, int(keep_days))
        self._day: dt.date | None = None
        self._stream = None

    def day_file(self, day: dt.date) -> Path:
        return self.path.with_name(f"{self.path.stem}.{day.isoformat()}{self.path.suffix}")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            day = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).astimezone().date()  # the server's day
            self.acquire()
            try:
                if day != self._day:
                    self._open(day)
                self._stream.write(message + "\n")
                self._stream.flush()
            finally:
                self.release()
        except Exception:
            self.handleError(record)

    def _open(self, day: dt.date) -> None:
        if self._stream is not None:
            self._stream.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = open(self.day_file(day), "a", encoding="utf-8")  # noqa: SIM115 - kept open for the day
        self._day = day
        self.remove_old(today=day)

    def remove_old(self, *, today: dt.date) -> list[Path]:
        """Delete this log's day files older than `keep_days` (another process may have done it first)."""
        removed = []
        oldest_kept = today - dt.timedelta(days=self.keep_days - 1)
        for file in self.path.parent.glob(f"{self.path.stem}.*{self.path.suffix}"):
            stamp = file.name[len(self.path.stem) + 1:len(file.name) - len(self.path.suffix)]
            try:
                day = dt.date.fromisoformat(stamp)
            except ValueError:
                continue
            if day < oldest_kept:
                try:
                    os.unlink(file)
                    removed.append(file)
                except FileNotFoundError:
                    pass
        return removed

    def close(self) -> None:
        self.acquire()
        try:
            if self._stream is not None:
                self._stream.close()
                self._stream = None
                self._day = None
        finally:
            self.release()
        super().close()

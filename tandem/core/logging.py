"""Logging filter that keeps identifiers out of logs.

Tandem's own log calls carry primary keys only. This filter is the safety net for
anything else (library messages, exceptions): it masks digit runs that look like NHS
numbers, e-mail addresses, postcodes and reply-link tokens before a record is written.
"""

from __future__ import annotations

import logging
import re

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

"""Pages compressed with gzip at a level chosen for CPU, not for the last few bytes.

Django's GZipMiddleware compresses at level 6. On Tandem's larger pages (50-170 KB of HTML) level 2
takes a third to a half of the CPU time of level 6 (e.g. a 100 KB care planning page: 0.44 ms against
1.24 ms) for output about a fifth larger (17.7 KB against 14.8 KB), which a practice's network carries
in no time, while the server's CPU is what pages under load wait for. TANDEM_GZIP_LEVEL sets it (1-9).

Everything else is Django's: only responses of 200 bytes or more, never twice, `Vary: Accept-Encoding`,
strong ETags made weak, and a random-length file name in the gzip header against BREACH
(`max_random_bytes`). Streaming responses are compressed by Django's own code.
"""

from __future__ import annotations

import gzip
import secrets

from django.conf import settings
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers

DEFAULT_LEVEL = 2


def compress(content: bytes, *, level: int, max_random_bytes: int) -> bytes:
    """As django.utils.text.compress_string, at `level`: gzip with a file name of random length."""
    compressed = memoryview(gzip.compress(content, compresslevel=level, mtime=0))
    header = bytearray(compressed[:10])
    header[3] = gzip.FNAME
    filename = b"a" * secrets.randbelow(max_random_bytes) + b"\x00"
    return bytes(header) + filename + compressed[10:]


class PageGZipMiddleware(GZipMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        self.level = getattr(settings, "TANDEM_GZIP_LEVEL", DEFAULT_LEVEL)

    def process_response(self, request, response):
        if response.streaming:
            return super().process_response(request, response)
        if len(response.content) < 200 or response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = compress(response.content, level=self.level, max_random_bytes=self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response

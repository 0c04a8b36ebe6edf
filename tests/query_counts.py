"""Counting the queries a page makes, for the tests that pin them."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_per_page(client, urls: dict[str, str]) -> dict[str, int]:
    """name -> queries for one GET of each url (each asked for once first, so anything cached per
    process is warm); every answer must be a 200."""
    counts = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200, name
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(captured)
    return counts

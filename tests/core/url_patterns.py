"""Every named URL pattern of the project, for the tests that check each URL (scoping, hostile input)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver


def named_patterns(patterns, prefix_ns: str = "") -> Iterator[tuple[str, URLPattern]]:
    """("namespace:name", pattern) for every named pattern below `patterns`."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix_ns}{p.namespace}:" if p.namespace else prefix_ns
            yield from named_patterns(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix_ns}{p.name}", p

from __future__ import annotations

import pytest

from tandem.jobs import registry


@pytest.fixture
def tasks():
    """Register tasks for one test: `tasks.add("test.kind", fn, atomic=...)`; removed afterwards."""
    added = []

    class Tasks:
        def add(self, kind, fn, *, title="", atomic=True, needs=None):
            registry.register(kind, fn, title=title, atomic=atomic, needs=needs)
            added.append(kind)
            return fn

    yield Tasks()
    for kind in added:
        registry.unregister(kind)

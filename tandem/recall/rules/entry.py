"""Reading the dates and times staff type into recall forms: the project's one parsing layer
(tandem.core.parsing), named here for the recall rules that use it. Pure: no Django."""

from __future__ import annotations

from tandem.core.parsing import MAX_BOX, Read, read_date, read_time

__all__ = ["MAX_BOX", "Read", "read_date", "read_time"]

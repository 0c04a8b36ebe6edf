"""Saving a practice's wording for one block (a pack's or an invitation's): each save is a new
version, never an edit.

Every save says which version the person started from (`expected_version`, 0 for Tandem's
standard wording), so two people editing the same block never silently overwrite each other:
the second gets a `WordingConflict` carrying the version saved meanwhile.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User

from . import wording
from .models import WordingVersion
from .wording import readability

log = logging.getLogger(__name__)


class WordingRefused(ValueError):
    """Wording that cannot be saved, with every reason (in words a practice manager can act on)."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


class WordingConflict(Exception):
    """Someone saved this block after the person started editing it."""

    def __init__(self, current: WordingVersion):
        super().__init__("Someone else saved this wording while you were changing it.")
        self.current = current


def problems_with(text: str, block: wording.Block, variant: str) -> list[str]:
    """Everything that stops `text` being saved as this block's wording for `variant`."""
    problems = wording.check(text, block)
    if problems:
        return problems
    score = readability.score_block(text, block)
    if not readability.within_limit(score, variant):
        limit = readability.limit_for(variant)
        kind = "easy read" if variant == wording.EASY_READ else "standard"
        problems.append(f"This wording has a reading age of {score.reading_age:g}. The limit for {kind} wording is "
                        f"{limit}. Use shorter sentences and shorter, everyday words.")
    return problems


def tidy(text: str) -> str:
    """Line endings as one newline, no spaces at the ends of lines, no blank lines at either end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n").strip()


@transaction.atomic
def save_wording(*, practice: Practice, block: str, variant: str, text: str, expected_version: int, by: User | None,
                 note: str = "") -> WordingVersion:
    """Save `text` as the practice's new version of a block's wording for `variant`."""
    if variant not in wording.VARIANTS:
        raise WordingRefused(["Choose standard or easy read wording."])
    try:
        the_block = wording.block(block)
    except wording.WordingError as exc:
        raise WordingRefused([str(exc)]) from None
    text = tidy(text)
    note = " ".join(note.split())
    if len(note) > 200:
        raise WordingRefused(["Keep the note about what changed under 200 characters."])
    problems = problems_with(text, the_block, variant)
    if problems:
        raise WordingRefused(problems)
    list(Practice.objects.select_for_update().filter(pk=practice.pk).values_list("pk", flat=True))  # one save at a time
    current = (WordingVersion.objects.filter(practice=practice, block=block, variant=variant)
               .select_related("created_by").order_by("-version").first())
    current_version = current.version if current is not None else 0
    if expected_version != current_version:
        raise WordingConflict(current)
    current_text = current.text if current is not None else the_block.default(variant)
    if text == current_text:
        raise WordingRefused(["This is the wording in use already, so there is nothing to save."])
    try:
        with transaction.atomic():
            row = WordingVersion.objects.create(
                practice=practice, block=block, variant=variant, version=current_version + 1, text=text,
                reading_age=readability.score_block(text, the_block).reading_age, note=note,
                created_at=clock.now(), created_by=by)
    except IntegrityError:  # saved by someone else in the moment between reading and writing
        raise WordingConflict(WordingVersion.objects.filter(practice=practice, block=block, variant=variant)
                              .order_by("-version").first()) from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="messaging.wording",
                 object_id=row.pk, detail={"block": block, "variant": variant, "version": row.version})
    log.info("wording version saved: practice=%s wording=%s version=%s", practice.pk, row.pk, row.version)
    return row


def use_again(*, practice: Practice, block: str, variant: str, version: int, expected_version: int,
              by: User | None) -> WordingVersion:
    """Make an earlier version the wording in use again (as a new version with its text)."""
    old = WordingVersion.objects.filter(practice=practice, block=block, variant=variant, version=version).first()
    if old is None:
        raise WordingRefused([f"There is no version {version} of this wording."])
    return save_wording(practice=practice, block=block, variant=variant, text=old.text,
                        expected_version=expected_version, by=by, note=f"Version {version} used again")


def use_standard(*, practice: Practice, block: str, variant: str, expected_version: int,
                 by: User | None) -> WordingVersion:
    """Go back to Tandem's standard wording (as a new version with the standard text)."""
    try:
        default = wording.block(block).default(variant)
    except wording.WordingError as exc:
        raise WordingRefused([str(exc)]) from None
    return save_wording(practice=practice, block=block, variant=variant, text=default,
                        expected_version=expected_version, by=by, note="Back to Tandem's standard wording")

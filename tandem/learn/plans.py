"""What Learn reads from saved plan versions, in one place: nothing in Tandem marks a conversation as
held, so a conversation counts as held when a plan version records it (its `held_on` date, which the
workspace fills in), and a written plan as agreed when a version says the person agreed it."""

from __future__ import annotations

from django.db.models import QuerySet, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast


def held_on():
    """The day the conversation was held, as the version records it: ISO text (compared as text)."""
    return Cast(KeyTextTransform("held_on", "content"), output_field=TextField())


def recording_a_conversation(versions: QuerySet) -> QuerySet:
    """The versions that record a conversation (a held_on date)."""
    return versions.exclude(content__held_on="").filter(content__has_key="held_on")


def agreed(versions: QuerySet) -> QuerySet:
    """The versions the person agreed."""
    return versions.filter(content__agreed_with_person=True)

"""Laying out a pack: an example pack for previews and sample PDFs.

The pack's templates (jinja2/prepare/pack/ and jinja2/messaging/messages/results_pack/) lay out a
`rules.pack.Pack` as it is: they draw its charts themselves from the Chart numbers (plain Jinja, so
the same partial renders in the site's and the message catalogue's environments). `example()`
composes a realistic pack for a made-up person with four long-term conditions, through the same
`rules.pack.compose` as a real one: for the wording editor's preview and scripts/sample-packs.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from tandem.patients.rules import Target
from tandem.terminology.plain_names import plain_names

from ..rules import pack as rules

D = dt.date
R = rules.Reading

EXAMPLE_PERSON = rules.Person(
    given_name="Margaret", age=76,
    conditions=("diabetes_type2", "hypertension", "copd", "ckd_3_5"),
    condition_names=plain_names(("diabetes_type2", "hypertension", "copd", "ckd_3_5")),
)
EXAMPLE_READINGS: dict[str, list[rules.Reading]] = {
    "hba1c": [R(D(2023, 6, 5), 66), R(D(2024, 6, 3), 71), R(D(2025, 6, 2), 68), R(D(2026, 6, 1), 61)],
    "systolic_bp": [R(D(2023, 6, 5), 152), R(D(2024, 6, 3), 146), R(D(2025, 6, 2), 138), R(D(2026, 6, 1), 136)],
    "diastolic_bp": [R(D(2023, 6, 5), 88), R(D(2024, 6, 3), 86), R(D(2025, 6, 2), 82), R(D(2026, 6, 1), 80)],
    "total_cholesterol": [R(D(2025, 6, 2), 4.9), R(D(2026, 6, 1), 4.4)],
    "egfr": [R(D(2024, 6, 3), 52), R(D(2025, 6, 2), 49), R(D(2026, 6, 1), 47)],
    "urine_acr": [R(D(2025, 6, 2), 4.2), R(D(2026, 6, 1), 3.6)],
    "weight": [R(D(2025, 6, 2), 74.5), R(D(2026, 6, 1), 72.8)],
    "bmi": [R(D(2025, 6, 2), 28.4), R(D(2026, 6, 1), 27.7)],
    "cat_score": [R(D(2025, 6, 2), 17), R(D(2026, 6, 1), 14)],
    "mrc_dyspnoea": [R(D(2026, 6, 1), 3)],
}
EXAMPLE_TESTS = (
    rules.Test("HbA1c", ("hba1c",)), rules.Test("Blood pressure", ("systolic_bp", "diastolic_bp")),
    rules.Test("Cholesterol", ("total_cholesterol",)), rules.Test("Kidney function", ("egfr", "urine_acr")),
    rules.Test("Weight", ("weight", "bmi")), rules.Test("COPD Assessment Test", ("cat_score", "mrc_dyspnoea")),
)
EXAMPLE_PRACTICE = ("Riverside Surgery", "01632 960000")
EXAMPLE_LINK = "https://tandem.example.nhs.uk/r/7GkQ2mXbN4pR"
LONDON = ZoneInfo("Europe/London")


def example(variant: str = "standard", *, with_results: bool = True, texts: Mapping[str, str] | None = None,
            person: rules.Person = EXAMPLE_PERSON, link: str = EXAMPLE_LINK) -> rules.Pack:
    """A made-up person's pack (type 2 diabetes, high blood pressure, COPD, chronic kidney disease),
    for a conversation on Tuesday 23 June 2026 at 10:30am; her HbA1c target is her own."""
    name, phone = EXAMPLE_PRACTICE
    return rules.compose(
        person=person, readings=EXAMPLE_READINGS, personal={"hba1c": Target("hba1c", 58, personal=True)},
        tests=EXAMPLE_TESTS, fresh_from=D(2026, 5, 25), with_results=with_results,
        appointment=rules.Appointment(dt.datetime(2026, 6, 23, 10, 30, tzinfo=LONDON), 30, "Nurse Ada Jones",
                                      f"at {name}, room 3"),
        texts=dict(texts or {}), variant=variant, reply=rules.Reply(link, phone, D(2026, 6, 19)),
        practice_name=name, practice_phone=phone,
    )

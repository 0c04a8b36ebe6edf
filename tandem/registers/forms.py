"""Forms for tier thresholds and cohorts. Messages say what to do, NHS.UK style."""

from __future__ import annotations

from django import forms

from .rules import cohorts as cohort_rules
from .rules import display_names, register_slugs
from .rules.risk import FACTOR_LABELS, FACTORS, TIER_LABELS, TIERS, Thresholds

FRAILTY_CHOICES = [("", "Not used"), ("mild", "Mild frailty or worse"), ("moderate", "Moderate frailty or worse"),
                   ("severe", "Severe frailty")]
WHOLE = {"min_value": "Enter 0 or more", "invalid": "Enter a whole number, like 3"}


def _threshold_field(factor: str, tier: str):
    label = f"{FACTOR_LABELS[factor]} ({TIER_LABELS[tier].lower()})"
    if factor == "frailty":
        return forms.ChoiceField(label=label, choices=FRAILTY_CHOICES, required=False)
    if factor == "cms":
        return forms.FloatField(label=label, required=False, min_value=0, max_value=30,
                                error_messages={"invalid": "Enter a number, like 2.5", "min_value": "Enter 0 or more",
                                                "max_value": "Enter 30 or less"})
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=999, error_messages=WHOLE)


class TierSettingsForm(forms.Form):
    """One field per factor and tier: cm_<factor> and dm_<factor>. Blank means not used."""

    def __init__(self, *args, thresholds: Thresholds | None = None, **kwargs):
        if thresholds is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: ("" if getattr(thresholds, name) is None else getattr(thresholds, name))
                                 for name in Thresholds.field_names()}
        super().__init__(*args, **kwargs)
        for prefix, tier in (("cm_", TIERS[0]), ("dm_", TIERS[1])):
            for factor in FACTORS:
                self.fields[prefix + factor] = _threshold_field(factor, tier)

    def thresholds(self) -> Thresholds:
        values = {}
        for name in Thresholds.field_names():
            value = self.cleaned_data.get(name)
            values[name] = None if value in ("", None) else value
        return Thresholds(**values)


class CohortForm(forms.Form):
    name = forms.CharField(label="Name of the cohort", max_length=120, required=False,
                           error_messages={"max_length": "Enter a name of 120 characters or fewer"})
    all_of = forms.MultipleChoiceField(required=False)
    any_of = forms.MultipleChoiceField(required=False)
    tiers = forms.MultipleChoiceField(required=False, choices=[(t, TIER_LABELS[t]) for t in TIERS])
    age_min = forms.IntegerField(label="From age", required=False, min_value=0, max_value=120,
                                 error_messages={"invalid": "Enter the youngest age as a whole number, like 65",
                                                 "min_value": "Enter an age of 0 or more",
                                                 "max_value": "Enter an age of 120 or less"})
    age_max = forms.IntegerField(label="To age", required=False, min_value=0, max_value=120,
                                 error_messages={"invalid": "Enter the oldest age as a whole number, like 80",
                                                 "min_value": "Enter an age of 0 or more",
                                                 "max_value": "Enter an age of 120 or less"})
    frequent_attenders = forms.BooleanField(required=False)

    def __init__(self, *args, require_name: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        names = display_names()
        choices = [(slug, names[slug]) for slug in register_slugs()]
        self.fields["all_of"].choices = choices
        self.fields["any_of"].choices = choices
        self.require_name = require_name

    def clean_name(self) -> str:
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if self.require_name and not name:
            raise forms.ValidationError("Enter a name for the cohort")
        return name

    def clean(self):
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", "The oldest age must be the same as or more than the youngest age")
        return data

    def definition(self) -> cohort_rules.CohortDefinition:
        data = self.cleaned_data
        return cohort_rules.parse({key: data.get(key) for key in cohort_rules.KEYS})

    @classmethod
    def initial_from(cls, name: str, definition: dict) -> dict:
        parsed = cohort_rules.parse(definition)
        return {"name": name, **{k: v for k, v in parsed.to_json().items()}}

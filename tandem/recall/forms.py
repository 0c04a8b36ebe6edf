"""Forms for recall: recording a response, and the practice's recall settings."""

from __future__ import annotations

import calendar
import datetime as dt

from django import forms

from tandem.core.parsing import read_int
from tandem.terminology import codelists

from .actions import SettingsChange
from .models import RecallSettings
from .rules import entry, schedule
from .rules.status import RESPONSE_LABELS, Response

MONTH_CHOICES = [("", "Not set")] + [(str(i), calendar.month_name[i]) for i in range(1, 13)]


def _boxes(data, prefix: str) -> tuple[str, str, str]:
    """The three boxes of an NHS.UK date input (named on[day], on[month], on[year]; on-day is accepted too)."""
    return tuple((data.get(f"{prefix}[{p}]") or data.get(f"{prefix}-{p}") or "")[:40]
                 for p in ("day", "month", "year"))


#: How far from today a response's date, or a booked appointment, may be.
RESPONSE_DAYS_BACK = 366
APPOINTMENT_DAYS_AHEAD = 366


class ResponseForm(forms.Form):
    response = forms.ChoiceField(choices=[(r.value, label) for r, label in RESPONSE_LABELS.items()],
                                 error_messages={"required": "Select the person's response",
                                                 "invalid_choice": "Select the person's response"})

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.on: dt.date | None = None
        self.appointment_on: dt.date | None = None
        self.appointment_time: dt.time | None = None
        self.date_errors: dict[str, str] = {}  # "on" / "appointment" / "appointment_time" -> message

    def _problem(self, where: str, message: str) -> None:
        self.date_errors.setdefault(where, message)
        self.add_error(None, message)

    def clean(self):
        data = super().clean()
        today = self.today
        on = entry.read_date(*_boxes(self.data, "on"), label="The date it happened", example=today,
                             earliest=today - dt.timedelta(days=RESPONSE_DAYS_BACK))
        if on.error:
            self._problem("on", on.error)
        elif on.value is not None and on.value > today:
            self._problem("on", "The date it happened cannot be in the future")
        self.on = on.value
        if data.get("response") != Response.BOOKED:
            return data
        day = entry.read_date(*_boxes(self.data, "appointment"), label="The appointment date", example=today,
                              earliest=today - dt.timedelta(days=RESPONSE_DAYS_BACK),
                              latest=today + dt.timedelta(days=APPOINTMENT_DAYS_AHEAD))
        time = entry.read_time((self.data.get("appointment_time") or "")[:40], label="The appointment time")
        if day.error:
            self._problem("appointment", day.error)
        elif day.value is None:
            self._problem("appointment", "Enter the appointment date")
        if time.error:
            self._problem("appointment_time", time.error)
        elif time.value is None:
            self._problem("appointment_time", "Enter the appointment time")
        self.appointment_on, self.appointment_time = day.value, time.value
        return data


def _condition_fields():
    for slug in codelists.LTC_SLUGS:
        yield slug, f"month_{slug}", f"order_{slug}"


class SettingsForm(forms.Form):
    scheme = forms.ChoiceField(choices=[(s.value, label) for s, label in schedule.SCHEME_LABELS.items()],
                               widget=forms.RadioSelect)
    first_invitation_weeks = forms.IntegerField(
        min_value=0, max_value=12, error_messages={"required": "Enter how many weeks before the due month",
                                                   "invalid": "Enter a whole number of weeks",
                                                   "min_value": "Enter 0 to 12 weeks",
                                                   "max_value": "Enter 0 to 12 weeks"})
    reminder_weeks = forms.CharField(required=False, max_length=40)
    response_wait_days = forms.IntegerField(
        min_value=0, max_value=90, error_messages={"required": "Enter how many days to wait",
                                                   "invalid": "Enter a whole number of days",
                                                   "min_value": "Enter 0 to 90 days",
                                                   "max_value": "Enter 0 to 90 days"})
    hca_minutes = forms.IntegerField(min_value=0, max_value=50_000)
    nurse_minutes = forms.IntegerField(min_value=0, max_value=50_000)
    pharmacist_minutes = forms.IntegerField(min_value=0, max_value=50_000)
    gp_minutes = forms.IntegerField(min_value=0, max_value=50_000)

    MINUTES_ERRORS = {"required": "Enter the minutes a week (0 if none)", "invalid": "Enter a whole number of minutes",
                      "min_value": "Minutes cannot be negative", "max_value": "Enter at most 50,000 minutes"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("hca_minutes", "nurse_minutes", "pharmacist_minutes", "gp_minutes"):
            self.fields[name].error_messages.update(self.MINUTES_ERRORS)
        for _slug, month, order in _condition_fields():
            self.fields[month] = forms.ChoiceField(choices=MONTH_CHOICES, required=False)
            self.fields[order] = forms.IntegerField(
                required=False, min_value=1, max_value=99,
                error_messages={"invalid": "Enter a number from 1 to 99", "min_value": "Enter a number from 1 to 99",
                                "max_value": "Enter a number from 1 to 99"})

    @classmethod
    def initial_from(cls, settings: RecallSettings) -> dict:
        initial = {
            "scheme": settings.scheme, "first_invitation_weeks": settings.first_invitation_weeks,
            "reminder_weeks": ", ".join(str(w) for w in settings.reminder_weeks),
            "response_wait_days": settings.response_wait_days, "hca_minutes": settings.hca_minutes,
            "nurse_minutes": settings.nurse_minutes, "pharmacist_minutes": settings.pharmacist_minutes,
            "gp_minutes": settings.gp_minutes,
        }
        for position, (slug, month) in enumerate(settings.month_pairs(), start=1):
            initial[f"month_{slug}"] = str(month)
            initial[f"order_{slug}"] = position
        return initial

    def clean_reminder_weeks(self) -> tuple[int, ...]:
        text = self.cleaned_data.get("reminder_weeks", "") or ""
        parts = [p for p in text.replace(" and ", ",").replace(";", ",").split(",") if p.strip()]
        read = [read_int(p, label="A reminder", minimum=0, maximum=999).value for p in parts]
        if None in read:
            raise forms.ValidationError("Enter the weeks as whole numbers, like 2, 4")
        weeks = tuple(read)
        if len(weeks) > 3:
            raise forms.ValidationError("Send at most 3 reminders")
        if any(w < 1 for w in weeks) or list(weeks) != sorted(set(weeks)):
            raise forms.ValidationError("Each reminder must go at least 1 week after the first, and later than "
                                        "the one before, like 2, 4")
        return weeks

    def clean(self):
        data = super().clean()
        if data.get("scheme") == schedule.Scheme.CONDITION and not self.condition_months():
            self.add_error("scheme", "Give at least one condition a month to recall by condition")
        return data

    def condition_months(self) -> tuple[tuple[str, int], ...]:
        chosen = []
        for index, (slug, month, order) in enumerate(_condition_fields()):
            value = self.cleaned_data.get(month)
            if value:
                position = self.cleaned_data.get(order)
                chosen.append(((position if position is not None else 100), index, slug, int(value)))
        return tuple((slug, month) for _, _, slug, month in sorted(chosen))

    def change(self) -> SettingsChange:
        d = self.cleaned_data
        return SettingsChange(
            scheme=d["scheme"], condition_months=self.condition_months(),
            first_invitation_weeks=d["first_invitation_weeks"], reminder_weeks=d["reminder_weeks"],
            response_wait_days=d["response_wait_days"], hca_minutes=d["hca_minutes"],
            nurse_minutes=d["nurse_minutes"], pharmacist_minutes=d["pharmacist_minutes"], gp_minutes=d["gp_minutes"],
        )

    def condition_rows(self) -> list[dict]:
        rows = []
        for slug, month, order in _condition_fields():
            rows.append({"slug": slug, "name": codelists.display_name(slug), "month": month, "order": order})
        return rows

"""A person's copy of their data, made in the background and kept for a short while to download.

Written only through tandem.privacy.actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.core.models import Practice
from tandem.jobs.models import Job
from tandem.patients.models import Patient


class SubjectAccessExport(models.Model):
    """One request for a person's copy (a ZIP of a PDF and FHIR): asked for by the practice manager,
    made by a job, downloaded from here. The ZIP is removed TANDEM_SUBJECT_ACCESS_KEEP_DAYS after it
    was made (`tandem retention`); the row stays as the record that it was made."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField()
    made_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True, help_text="when its ZIP was removed")
    zip = models.BinaryField(default=b"", blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["practice", "patient", "requested_at"], name="sar_by_person")]

    def __str__(self) -> str:
        return f"SubjectAccessExport {self.pk}"

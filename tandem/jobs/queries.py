"""Reads of jobs, always within one practice."""

from __future__ import annotations

from django.http import Http404

from tandem.core.models import Practice

from .models import Job


def jobs_of(practice: Practice):
    return Job.objects.filter(practice=practice)


def get_job(*, practice: Practice, pk: int) -> Job:
    """The job with this id in this practice; 404 otherwise (another practice's job does not exist here)."""
    try:
        return jobs_of(practice).select_related("created_by").get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404("No such job in this practice") from None


def latest(*, practice: Practice, kind: str) -> Job | None:
    return jobs_of(practice).filter(kind=kind).order_by("-created_at", "-pk").first()

"""Background task of the FHIR API (run by `tandem worker`): once a day, access and refresh tokens past their
expiry are deleted (django-oauth-toolkit's `clear_expired`; refresh tokens 30 days after they expire, as
REFRESH_TOKEN_EXPIRE_SECONDS says), so the token tables hold only tokens that can still be used. Tokens are not
a practice's: the daily run for each practice clears them all, and the second run of a day finds nothing."""

from __future__ import annotations

from oauth2_provider.models import clear_expired

from tandem.core.rules import Capability
from tandem.jobs.registry import task

DAILY_JOB = "fhirapi.daily"


@task(DAILY_JOB, title="Delete the FHIR API's expired tokens", needs=Capability.MANAGE_PRACTICE, daily=True)
def daily(job, progress):
    clear_expired()
    progress(1, 1, message="Expired tokens deleted")

"""The person's written plan online, reached from the link in the text message the practice sent
(ReplyLink.Purpose.PLAN; actions/sending.py): no account, no sign-in, no JavaScript.

    /r/<key>/           date of birth first (tandem.prepare.views.public: lock-out, expiry, no-store)
    /r/<key>/plan/      the plan version the link was sent for, as the person reads it
    /r/<key>/plan.pdf   the same version as the standard-print PDF

Only the version the link was sent for, and only the person's own (the link names both): a newer
version is not shown, but the page says there is one and that the practice can send it. Each view
and download is audited as the person's (by no member of staff).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from tandem.core import audit
from tandem.core.models import AuditEvent
from tandem.messaging import links
from tandem.messaging.models import ReplyLink
from tandem.prepare.views import public as reply

from .actions import written as written_pdfs
from .models import PlanVersion
from .presenters.written import written

WHAT = "careplans.plan.online"


def _version(link: ReplyLink) -> PlanVersion | None:
    """The version this link was sent for: this practice's, this person's (a read scoped by the link)."""
    return (PlanVersion.objects.filter(practice_id=link.practice_id, patient_id=link.patient_id, pk=link.object_id)
            .select_related("plan", "patient", "practice", "conversation__clinician", "created_by").first())


@reply.guarded(ReplyLink.Purpose.PLAN)
def read(request, token: str, link: ReplyLink):
    version = _version(link)
    if version is None:
        return reply.gone(request, link, links.LinkState.EXPIRED)
    audit.record(by=None, practice=link.practice, action=AuditEvent.Action.VIEW, what=WHAT, patient_id=link.patient_id,
                 object_id=version.pk, detail={"version": version.version})
    return render(request, "careplans/public/plan.jinja", reply.context(
        link, token=token, plan=written(version, version.patient, version.practice),
        newer=version.plan.version > version.version, phone=link.practice.phone))


@reply.guarded(ReplyLink.Purpose.PLAN)
def pdf(request, token: str, link: ReplyLink):
    version = _version(link)
    if version is None:
        return reply.gone(request, link, links.LinkState.EXPIRED)
    kept = written_pdfs.pdf_for(version=version, patient=version.patient, practice=version.practice,
                                variant="standard", by=None)
    audit.record(by=None, practice=link.practice, action=AuditEvent.Action.EXPORT, what=WHAT, patient_id=link.patient_id,
                 object_id=version.pk, detail={"version": version.version, "format": "standard"})
    response = HttpResponse(bytes(kept.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="my-care-plan-version-{version.version}.pdf"'
    return response

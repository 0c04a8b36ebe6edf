"""Writes for recall: planning the year's reviews, sending invitations, recording responses and
exceptions, and the practice's recall settings.

Keyword-only, atomic, the acting user named (`by=`), audited. Bulk work is set-based: reviews are
planned with bulk_create, statuses changed with one UPDATE per group, invitations queued through the
outbox in chunks (one transaction each, so a long run keeps what it has done and can be run again).
"""

from .planning import PlanSummary, plan_reviews
from .responses import apply_no_response_exceptions, record_response
from .sending import (
    INVITATION_TEMPLATE,
    REMINDER_TEMPLATE,
    SEND_JOB,
    SendPreview,
    SendSummary,
    message_context,
    preview_sending,
    request_sending,
    send_due_invitations,
)
from .settings import SettingsChange, SettingsError, save_settings

__all__ = [
    "INVITATION_TEMPLATE", "REMINDER_TEMPLATE", "SEND_JOB", "PlanSummary", "SendPreview", "SendSummary", "SettingsChange",
    "SettingsError", "apply_no_response_exceptions", "message_context", "plan_reviews", "preview_sending", "record_response",
    "request_sending", "save_settings", "send_due_invitations",
]

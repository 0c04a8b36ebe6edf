"""Writes of the prepare app. Every action takes the acting user (`by=`) and is audited."""

from .conversations import ConversationError, book_conversation, cancel_conversation
from .packs import SEND_JOB, SendSummary, request_sending, send_packs, set_results_in_advance
from .settings import save_settings

__all__ = ["SEND_JOB", "ConversationError", "SendSummary", "book_conversation", "cancel_conversation",
           "request_sending", "save_settings", "send_packs", "set_results_in_advance"]

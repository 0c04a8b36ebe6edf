"""Writes of the prepare app. Every action takes the acting user (`by=`) and is audited."""

from .conversations import ConversationError, book_conversation, cancel_conversation

__all__ = ["ConversationError", "book_conversation", "cancel_conversation"]

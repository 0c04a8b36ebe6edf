"""Sending text messages: a small gateway interface, and the demo gateway that keeps them here.

A real provider is plugged in by naming a class in the TANDEM_SMS_GATEWAY setting (a dotted path).
The class is built with no arguments (read credentials from settings or the environment) and must
have `send(to, text) -> provider_id`, where `to` is an E.164 UK mobile number ("+447700900123").
`send` must:
  - return the provider's id for the message once the provider has accepted it;
  - raise GatewayUnavailable when it is certain the message was not accepted and trying later may
    work (connection refused, 429, 5xx before acceptance): the message goes back to the queue;
  - raise GatewayRejected when it is certain the message was not accepted and never will be
    (invalid number, opted out): the message is marked not sent;
  - let anything else propagate: the outcome is then unknown and the message is held for a person
    to check, never sent again automatically.
A gateway whose providers confirm delivery later reports it through
`messaging.actions.record_delivery_report(provider_id=..., delivered=...)`. A gateway whose `send`
itself means delivery sets `confirms_delivery = True`.
"""

from __future__ import annotations

import uuid
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from tandem.core import clock

DEMO_GATEWAY = "tandem.messaging.gateways.DemoSmsGateway"


class GatewayUnavailable(Exception):
    """Certainly not sent; try again later."""


class GatewayRejected(Exception):
    """Certainly not sent; never will be."""


@runtime_checkable
class SmsGateway(Protocol):
    def send(self, to: str, text: str) -> str: ...


class DemoSmsGateway:
    """Records each text message in the DemoSms table (shown on the demo text messages page)."""

    confirms_delivery = True

    def send(self, to: str, text: str) -> str:
        from .models import DemoSms

        provider_id = f"demo-{uuid.uuid4().hex}"
        DemoSms.objects.create(to=to, text=text, provider_id=provider_id, received_at=clock.now())
        return provider_id


def gateway_path() -> str:
    path = getattr(settings, "TANDEM_SMS_GATEWAY", None)
    if path:
        return path
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Set TANDEM_SMS_GATEWAY to the dotted path of an SMS gateway class to send text messages "
            "in production (the demo gateway only records them).")
    return DEMO_GATEWAY


def get_gateway() -> SmsGateway:
    gateway = import_string(gateway_path())()
    if not isinstance(gateway, SmsGateway):
        raise ImproperlyConfigured(f"{gateway_path()} has no send(to, text) method.")
    return gateway


def is_demo() -> bool:
    try:
        return gateway_path() == DEMO_GATEWAY
    except ImproperlyConfigured:
        return False

"""tandem mailsink [--host 127.0.0.1] [--port 1025]

A local SMTP server for the demo: every email Tandem sends is kept here and shown on the
"Demo mailbox" page. Refuses to run when TANDEM_PROFILE=production.
"""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from tandem.messaging import actions
from tandem.messaging.sink import MailSink


def _store(envelope) -> None:
    close_old_connections()
    email = actions.store_sink_email(envelope)
    print(f"mailsink: email {email.pk} received")  # noqa: T201 - the command's own output


class Command(BaseCommand):
    help = "Run a local SMTP server that keeps every email it receives (demo only)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)

    def handle(self, *args, host="127.0.0.1", port=1025, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("The mail sink is for demos: it does not run when TANDEM_PROFILE=production.")
        sink = MailSink(deliver=_store, host=host, port=port)

        async def main():
            bound = await sink.start()
            self.stdout.write(f"Mail sink listening on smtp://{host}:{bound} (Ctrl-C to stop)", ending="\n")
            self.stdout.flush()
            await sink.serve_forever()

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            self.stdout.write("Mail sink stopped.")

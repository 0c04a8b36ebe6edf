"""A small SMTP server for demos and tests: it accepts every email and hands it to a callback.

It speaks just enough SMTP (RFC 5321) for Django's SMTP backend and ordinary mail clients: EHLO/HELO,
MAIL, RCPT, DATA (with dot-unstuffing), RSET, NOOP, QUIT. No TLS, no authentication: it listens on
127.0.0.1 and is never used in production (`tandem mailsink` refuses to start there).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_LINE = 4096


class HangUp(Exception):  # noqa: N818 - what the sink does, not an error
    """Raised by a deliver callback to drop the connection without answering DATA: rehearses a mail
    server whose answer is lost, the case in which Tandem must not send again."""


@dataclass
class Envelope:
    mail_from: str = ""
    recipients: list[str] = field(default_factory=list)
    data: bytes = b""


def _address(argument: str, prefix: str) -> str | None:
    """'FROM:<a@b> SIZE=12' -> 'a@b' ('' for the null sender <>); None when malformed."""
    if not argument.upper().startswith(prefix):
        return None
    rest = argument[len(prefix):].strip()
    if not rest.startswith("<") or ">" not in rest:
        return None
    return rest[1:rest.index(">")]


class MailSink:
    def __init__(self, *, deliver: Callable[[Envelope], None], host: str = "127.0.0.1", port: int = 1025,
                 name: str = "tandem-mailsink"):
        self.deliver, self.host, self.port, self.name = deliver, host, port, name
        self._server: asyncio.base_events.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._session, self.host, self.port, limit=MAX_LINE * 2)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        async with self._server:
            await self._server.serve_forever()

    # --- in a thread, for tests -------------------------------------------------------------
    def start_in_thread(self) -> int:
        """Start listening in a background thread; returns the port (pass port=0 for a free one)."""
        started = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.start())
            started.set()
            self._loop.run_forever()
            self._server.close()
            self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="mailsink", daemon=True)
        self._thread.start()
        started.wait(10)
        return self.port

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    # --- one SMTP session --------------------------------------------------------------------
    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(line.encode("ascii") + b"\r\n")
            await writer.drain()

        envelope = Envelope()
        greeted = in_mail = False
        try:
            await reply(f"220 {self.name} ESMTP ready")
            while True:
                try:
                    raw = await reader.readuntil(b"\n")
                except asyncio.LimitOverrunError:
                    await reply("500 Line too long")
                    break
                except asyncio.IncompleteReadError:
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb, _, argument = line.partition(" ")
                verb = verb.upper()
                if verb == "EHLO":
                    greeted, in_mail, envelope = True, False, Envelope()
                    await reply(f"250-{self.name}")
                    await reply("250-8BITMIME")
                    await reply("250-SMTPUTF8")
                    await reply(f"250 SIZE {MAX_BYTES}")
                elif verb == "HELO":
                    greeted, in_mail, envelope = True, False, Envelope()
                    await reply(f"250 {self.name}")
                elif verb == "MAIL":
                    sender = _address(argument, "FROM:")
                    if not greeted:
                        await reply("503 Say EHLO first")
                    elif sender is None:
                        await reply("501 Syntax: MAIL FROM:<address>")
                    else:
                        envelope, in_mail = Envelope(mail_from=sender), True
                        await reply("250 OK")
                elif verb == "RCPT":
                    recipient = _address(argument, "TO:")
                    if recipient is None:
                        await reply("501 Syntax: RCPT TO:<address>")
                    elif not in_mail:
                        await reply("503 Need MAIL first")
                    else:
                        envelope.recipients.append(recipient)
                        await reply("250 OK")
                elif verb == "DATA":
                    if not envelope.recipients:
                        await reply("503 Need RCPT first")
                        continue
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    data = await self._read_data(reader)
                    if data is None:
                        await reply("552 Message too big")
                    else:
                        envelope.data = data
                        try:
                            await asyncio.get_running_loop().run_in_executor(None, self.deliver, envelope)
                        except HangUp:
                            break
                        except Exception:  # noqa: BLE001 - the sender is told to try later
                            logger.exception("mailsink: storing an email failed")
                            await reply("451 Could not store the message")
                        else:
                            await reply("250 OK: stored")
                    envelope, in_mail = Envelope(), False
                elif verb == "RSET":
                    envelope, in_mail = Envelope(), False
                    await reply("250 OK")
                elif verb == "NOOP":
                    await reply("250 OK")
                elif verb == "VRFY":
                    await reply("252 Cannot verify, but will accept")
                elif verb == "QUIT":
                    await reply("221 Bye")
                    break
                else:
                    await reply("502 Command not implemented")
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:  # noqa: BLE001 - one broken session must not stop the sink
            logger.exception("mailsink: session failed")
            with contextlib.suppress(Exception):
                await reply("451 Local error")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read_data(self, reader: asyncio.StreamReader) -> bytes | None:
        lines, size, too_big = [], 0, False
        while True:
            raw = await reader.readuntil(b"\n")
            if raw in (b".\r\n", b".\n"):
                break
            if raw.startswith(b"."):
                raw = raw[1:]  # dot-unstuffing
            size += len(raw)
            if size > MAX_BYTES:
                too_big = True
            elif not too_big:
                lines.append(raw)
        return None if too_big else b"".join(lines)

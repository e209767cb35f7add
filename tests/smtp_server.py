"""A small real SMTP server for the tests: it speaks enough of RFC 5321 for smtplib, keeps
what it accepted, and answers RCPT with the replies it is given (then 250)."""

from __future__ import annotations

import socketserver
from collections.abc import Iterator
from contextlib import contextmanager

from serving import serving


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        server = self.server
        self.reply("220 test ESMTP")
        data: list[str] | None = None
        while line := self.rfile.readline():
            text = line.decode(errors="replace").rstrip("\r\n")
            if data is not None:
                if text == ".":
                    server.accepted.append("\n".join(data))
                    data = None
                    self.reply("250 2.0.0 queued as test")
                else:
                    data.append(text[1:] if text.startswith("..") else text)
                continue
            verb = text[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "RCPT":
                self.reply(server.rcpt_replies.pop(0) if server.rcpt_replies else "250 2.1.5 ok")
            elif verb == "DATA":
                data = []
                self.reply("354 go on")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.accepted: list[str] = []
        self.rcpt_replies: list[str] = []

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"


@contextmanager
def smtp_server() -> Iterator[SMTPServer]:
    with serving(SMTPServer()) as server:
        yield server

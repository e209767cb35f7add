"""A local stand-in for SendGrid's v3 API in the tests: it keeps every request (path,
headers, JSON body) and answers with the statuses it is given, then 202 like SendGrid.
Clearing ``hold`` keeps each request waiting (unrecorded) until it is set again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from serving import serving


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server.arrived += 1
        server.hold.wait(30)  # a test holds the answers to see what happens meanwhile
        server.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
        status, answer, extra = server.answers.pop(0) if server.answers else (202, b"", {})
        self.send_response(status)
        if status == 202:
            self.send_header("X-Message-Id", f"sg-{len(server.requests)}")
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def sendgrid_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests, server.answers, server.hold, server.arrived = [], [], threading.Event(), 0
    server.hold.set()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    with serving(server):
        yield server

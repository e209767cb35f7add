"""Pieces of the end-to-end tests: the world's app on a real port, Debian's Chromium driven
by Playwright (its browsers are never downloaded), and the mail and database look-ups a
test needs beside the browser."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from helpers import PASSWORD
from playwright.sync_api import Browser, Page, Playwright, expect
from werkzeug.serving import make_server

from aimi.platform import mail
from aimi.platform.db import tenant_scope, tenant_session

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 10_000


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """The app on 127.0.0.1 (a platform host, so ``/t/<slug>/`` reaches the portal) in a
    daemon thread; yields the base URL and stops the server afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def launch_chromium(playwright: Playwright, extra_args: Sequence[str] = ()) -> Browser:
    """Debian's Chromium (with ``extra_args``, e.g. a fake microphone); raises when it is
    not installed, for ``need_service`` to report."""
    path = shutil.which("chromium") or CHROMIUM
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"no Chromium executable at {path} (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, args=[*CHROMIUM_ARGS, *extra_args])


def new_page(browser: Browser, base_url: str) -> Page:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return context.new_page()


def sign_in(page: Page, slug: str, address: str) -> None:
    """Through the login form, as a person would; lands on the dashboard."""
    page.goto(f"/t/{slug}/login")
    page.get_by_label("Email").fill(address)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    expect(page).to_have_url(re.compile(rf"/t/{re.escape(slug)}/dashboard$"))


def open_nav(page: Page, label: str) -> None:
    """Follow an entry of the portal's main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def mailed_link(outbox: Path, address: str, path_part: str, wait_s: float = 5.0) -> str:
    """The path and query of the newest link containing ``path_part`` mailed to ``address``
    (the outbox writes one ``.eml`` file per message)."""
    pattern = re.compile(r"https?://[^\s\"'<>]+" + re.escape(path_part) + r"[^\s\"'<>]+")
    deadline = time.monotonic() + wait_s
    while True:
        for file in reversed(mail.outbox_files(outbox, address)):
            message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
            match = pattern.search(message.get_body(preferencelist=("plain", "html")).get_content())
            if match:
                url = urlsplit(match.group(0))
                return url.path + (f"?{url.query}" if url.query else "")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {path_part} link mailed to {address} in {outbox}")
        time.sleep(0.2)


def in_tenant(ref: Any, work: Callable[[Any], Any]) -> Any:
    """Run ``work(session)`` in the tenant's schema and commit what it changed."""
    with tenant_scope(ref):
        session = tenant_session()
        result = work(session)
        session.commit()
        return result

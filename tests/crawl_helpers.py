"""Every page a role reaches by following links from its dashboard, in the demo tenant
(``aimi demo-data``: scored history, reviews, an assignment), for the tests that check
all pages at once (tests/test_pages.py: words and times, phone widths). One crawl serves
every check: it visits each page once, with the test client or in Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import urljoin, urlsplit

from e2e_helpers import TIMEOUT_MS
from playwright.sync_api import Browser, Page

from aimi.tenants import demo

SLUG = "demo"
ROLES = {"admin": demo.ADMIN, "mentor": demo.MENTOR, "candidate": demo.CANDIDATE}
# Not pages: downloads, sign-out, and links that act (they are forms elsewhere).
SKIP = re.compile(r"/(logout|login|register)\b|\.(csv|json|xlsx|pdf|zip|wav|png|svg)$"
                  r"|/(export|download|audio)\b|/unsubscribe/|/static/")
SAME_SHAPE = 2  # pages whose paths differ only in numbers: this many of each are visited
LIMIT = 80
# What sticks out to the right of the viewport: the first three outermost culprits.
CULPRITS_JS = """() => {
    const w = document.documentElement.clientWidth;
    const out = [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.right > w + 1 && getComputedStyle(e).position !== 'fixed';
    });
    const top = out.filter(e => !out.includes(e.parentElement));
    return top.slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' +
        Math.round(e.getBoundingClientRect().right));
}"""


def seed(world) -> None:
    with world.app.app_context():
        for _line in demo.seed_demo(world.hasher()):
            pass


def sign_in(world, role: str):
    client = world.client()
    resp = client.post(f"/t/{SLUG}/login", json={"email": ROLES[role], "password": demo.PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return client


def signed_in_page(browser: Browser, url: str, role: str, viewport: dict, **options) -> Page:
    """A Chromium page of its own context, signed in as ``role`` through the login form."""
    context = browser.new_context(base_url=url, viewport=viewport, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"/t/{SLUG}/login")
    page.get_by_label("Email").fill(ROLES[role])
    page.get_by_label(re.compile(r"^Password")).fill(demo.PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    return page


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(fetch: Callable[[str], str | None], limit: int = LIMIT) -> dict[str, str]:
    """``{path: html}`` of every page reachable from the dashboard by GET links; ``fetch``
    returns a path's HTML, or None when it is no page (an error, a redirect, a download)."""
    base = f"/t/{SLUG}/"
    queue, seen, shapes, found = [f"{base}dashboard"], set(), {}, {}
    while queue and len(found) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        html = fetch(path)
        if html is None:
            continue
        found[path] = html
        for href in re.findall(r'href="([^"#]+)', html):
            parts = urlsplit(urljoin(path, unescape(href)))
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc or not parts.path.startswith(base) or SKIP.search(parts.path) or target in seen:
                continue
            shape = _shape(target)
            if shapes.get(shape, 0) >= SAME_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            queue.append(target)
    return found


def client_fetch(client) -> Callable[[str], str | None]:
    """Pages as the test client gets them."""
    def fetch(path: str) -> str | None:
        resp = client.get(path)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            return None
        return resp.get_data(as_text=True)

    return fetch


def browser_fetch(page: Page, wide: list[str]) -> Callable[[str], str | None]:
    """Pages as Chromium loads them (the HTML the server sent); a page wider than the
    viewport is noted in ``wide`` with what sticks out."""
    def fetch(path: str) -> str | None:
        response = page.goto(path)
        if (response is None or response.status != 200 or response.request.redirected_from is not None
                or "text/html" not in response.headers.get("content-type", "")):
            return None
        width, viewport = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width > viewport:
            wide.append(f"{path}: {width} px > {viewport} px ({'; '.join(page.evaluate(CULPRITS_JS))})")
        return response.text()

    return fetch

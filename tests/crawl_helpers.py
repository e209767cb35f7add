"""Every page a role reaches by following links from its dashboard, in the demo tenant
(``aimi demo-data``: scored history, reviews, an assignment), for the tests that check
all pages at once (words and times, phone widths)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

from aimi.tenants import demo

SLUG = "demo"
ROLES = {"admin": demo.ADMIN, "mentor": demo.MENTOR, "candidate": demo.CANDIDATE}
# Not pages: downloads, sign-out, and links that act (they are forms elsewhere).
SKIP = re.compile(r"/(logout|login|register)\b|\.(csv|xlsx|pdf|zip|wav|png|svg)$|/(export|download|audio)\b"
                  r"|/unsubscribe/|/static/")
SAME_SHAPE = 2  # pages whose paths differ only in numbers: this many of each are visited


def seed(world) -> None:
    with world.app.app_context():
        for _line in demo.seed_demo(world.hasher()):
            pass


def sign_in(world, role: str):
    client = world.client()
    resp = client.post(f"/t/{SLUG}/login", json={"email": ROLES[role], "password": demo.PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return client


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def pages(client, limit: int = 80) -> dict[str, str]:
    """``{path: html}`` of every page reachable from the dashboard by GET links."""
    base = f"/t/{SLUG}/"
    queue, seen, shapes, found = [f"{base}dashboard"], set(), {}, {}
    while queue and len(found) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        resp = client.get(path)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        html = resp.get_data(as_text=True)
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

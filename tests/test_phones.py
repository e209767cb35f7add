"""Phones: at 390 px wide no page of any role scrolls sideways. Chromium visits every page
each role reaches from its dashboard in the demo tenant and compares the document's width
with the viewport's (tables scroll inside their own box, the menu wraps)."""

from __future__ import annotations

import re

import pytest
from crawl_helpers import ROLES, SLUG, pages, seed, sign_in
from e2e_helpers import TIMEOUT_MS, live_server

from aimi.tenants import demo

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_is_wider_than_a_phone(world, browser, role):
    seed(world)
    paths = list(pages(sign_in(world, role)))
    assert len(paths) >= 6, paths
    wide = []
    with live_server(world.app) as url:
        context = browser.new_context(base_url=url, viewport=PHONE, is_mobile=True, has_touch=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(f"/t/{SLUG}/login")
        page.get_by_label("Email").fill(ROLES[role])
        page.get_by_label(re.compile(r"^Password")).fill(demo.PASSWORD)
        page.get_by_role("button", name="Login").click()
        page.wait_for_url(re.compile(r"/dashboard$"))
        for path in paths:
            page.goto(path)
            width, viewport = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if width > viewport:
                culprit = page.evaluate("""() => {
                    const w = document.documentElement.clientWidth;
                    const out = [...document.querySelectorAll('body *')].filter(e => {
                        const r = e.getBoundingClientRect();
                        return r.right > w + 1 && getComputedStyle(e).position !== 'fixed';
                    });
                    const top = out.filter(e => !out.includes(e.parentElement));
                    return top.slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' +
                        Math.round(e.getBoundingClientRect().right));
                }""")
                wide.append(f"{path}: {width} px > {viewport} px ({'; '.join(culprit)})")
        context.close()
    assert not wide, "\n".join(wide)

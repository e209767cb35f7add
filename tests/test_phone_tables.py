"""The candidate's dashboard on a phone (390 px): its tables become cards, so the Start button
of a due assignment and a past interview's overall score are on the screen without scrolling
sideways; and the staff header fits on two rows at a laptop's 1366 px."""

from __future__ import annotations

import re

import pytest
from crawl_helpers import ROLES, SLUG, seed
from e2e_helpers import TIMEOUT_MS, live_server
from playwright.sync_api import Browser, Page

from aimi.tenants import demo

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def signed_in(browser: Browser, url: str, role: str, viewport: dict, **options) -> Page:
    context = browser.new_context(base_url=url, viewport=viewport, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"/t/{SLUG}/login")
    page.get_by_label("Email").fill(ROLES[role])
    page.get_by_label(re.compile(r"^Password")).fill(demo.PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    return page


def on_screen(page: Page, box: dict | None) -> bool:
    """Within the viewport's width as the page loaded: nothing (page or table) scrolled sideways."""
    width = page.evaluate("document.documentElement.clientWidth")
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] > 0


def test_a_candidate_starts_an_assignment_and_reads_scores_on_a_phone(world, browser):
    seed(world)
    with live_server(world.app) as url:
        page = signed_in(browser, url, "candidate", PHONE, is_mobile=True, has_touch=True)
        start = page.locator("#assignments-due").get_by_role("button", name=re.compile(r"^Start"))
        assert on_screen(page, start.bounding_box()), start.bounding_box()
        row = page.locator("#history tbody tr").first
        overall = row.locator("td").nth(3)
        report = row.get_by_role("link", name=re.compile(r"^Report"))
        assert re.search(r"\d", overall.inner_text())
        assert on_screen(page, overall.bounding_box()), overall.bounding_box()
        assert on_screen(page, report.bounding_box()), report.bounding_box()
        # Each value is labelled in its card, and a role's name is not broken inside a word.
        assert overall.evaluate("e => getComputedStyle(e, '::before').content") == '"Overall"'
        role = row.locator("td").nth(1)
        lines = role.evaluate("""e => { const r = document.createRange(); r.selectNodeContents(e);
            return r.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight); }""")
        assert lines < 1.5, (role.inner_text(), lines)  # "Data Scientist" on one line
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        # A card table's visible caption reads across the card, not one letter a line.
        widths = page.evaluate("""() => [...document.querySelectorAll('table.table--cards caption')]
            .filter(c => !c.classList.contains('visually-hidden'))
            .map(c => c.getBoundingClientRect().width)""")
        assert widths and min(widths) > 150, widths
        # The progress chart's axis labels are readable (at least 10 px) and do not overlap.
        labels = page.evaluate("""() => [...document.querySelectorAll('#progress-chart svg text')]
            .map(t => t.getBoundingClientRect()).filter(r => r.width > 0)
            .map(r => [r.left, r.right, r.top, r.height])""")
        assert len(labels) >= 5 and min(height for *_r, height in labels) >= 10, labels
        for i, (left, right, top, _h) in enumerate(labels):
            for other_left, other_right, other_top, _oh in labels[i + 1:]:
                assert abs(top - other_top) > 4 or right <= other_left or other_right <= left, labels
        page.context.close()


def test_the_staff_header_fits_on_two_rows_at_1366_px(world, browser):
    seed(world)
    with live_server(world.app) as url:
        page = signed_in(browser, url, "admin", LAPTOP)
        tops = page.evaluate("""() => [...document.querySelector('.site-header__inner').children]
            .filter(e => e.getBoundingClientRect().height > 0)
            .map(e => Math.round(e.getBoundingClientRect().top))""")
        rows = sorted(set(tops))
        merged = [top for i, top in enumerate(rows) if i == 0 or top - rows[i - 1] > 8]
        nav = page.get_by_role("navigation", name="Main").locator("li")
        nav_rows = {round(box["y"]) for box in (nav.nth(i).bounding_box() for i in range(nav.count())) if box}
        assert len(merged) + max(len(nav_rows) - 1, 0) <= 2, (tops, nav_rows)
        assert page.evaluate("""() => { const ul = document.querySelector('.site-nav ul');
            return ul.scrollWidth <= ul.clientWidth; }""")  # no menu entry hidden off the side
        page.context.close()

"""Every page each role reaches from its dashboard in the demo tenant, crawled once per
backend and checked at once:

- words and time: times carry their zone, interview types read "HR" (never "Hr" or the code
  "hr"), plurals are real (never "question(s)") and scores are whole numbers (never "67.0");
- phones: at 390 px wide no page scrolls sideways (tables scroll inside their own box, the
  menu wraps); the candidate's dashboard tables become cards, so the Start button of a due
  assignment and a past interview's overall score are on the screen; and the staff header
  fits on two rows at a laptop's 1366 px.

On SQLite Chromium crawls at phone width (it reads the HTML the server sent and measures
each page); on MariaDB the test client crawls, for the words: the values on a page come from
the database (a MariaDB DECIMAL could print "67.0"), the layout does not, so Chromium runs
once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html import unescape

import pytest
from crawl_helpers import ROLES, browser_fetch, client_fetch, crawl, seed, sign_in, signed_in_page
from e2e_helpers import live_server
from playwright.sync_api import Page

from aimi.platform.timeutil import format_local
from aimi.platform.wording import figure, kind_label, plural, score_text, signed

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # layout: Chromium once
PROBLEMS = {
    "a made-up plural": re.compile(r"\w\(s\)"),
    "'Hr' for HR": re.compile(r"\bHr\b"),
    "the raw code 'hr'": re.compile(r"\bhr\b"),
    "a score with '.0'": re.compile(r"(?<![\d.])\d{1,3}\.0\b(?!\.?\d)"),  # not an address (127.0.0.1)
    "a time without its zone": re.compile(r"\b\d{1,2}:\d{2}\b(?!:)(?!\s?(?:[A-Z]{2,5}\b|[+-]\d{2}))"),
}
MIN_PAGES = {"admin": 15, "mentor": 8, "candidate": 6}


@dataclass
class Crawl:
    """One role's pages (``{path: html}``) and, when Chromium crawled, the pages too wide."""

    pages: dict[str, str]
    wide: list[str] | None = None


@pytest.fixture(scope="module")
def served(world) -> Iterator[str]:
    """The world's app, with the demo tenant seeded, on a real port."""
    seed(world)
    with live_server(world.app) as url:
        yield url


@pytest.fixture(scope="module")
def site(world, served, request) -> dict[str, Crawl]:
    """Each role's crawl: in Chromium at phone width on SQLite, by the test client on MariaDB."""
    if world.backend != "sqlite":
        return {role: Crawl(crawl(client_fetch(sign_in(world, role)))) for role in ROLES}
    browser = request.getfixturevalue("browser")
    crawls = {}
    for role in ROLES:
        page, wide = signed_in_page(browser, served, role, PHONE, is_mobile=True, has_touch=True), []
        crawls[role] = Crawl(crawl(browser_fetch(page, wide)), wide)
        page.context.close()
    return crawls


def visible_text(html: str) -> str:
    """What a reader sees: no tags, scripts, styles or attribute values."""
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<title>.*?</title>", " ", html, flags=re.S)
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)  # codes shown as codes (CSV columns, records)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_wording_helpers():
    assert [plural(n, "question") for n in (0, 1, 2)] == ["0 questions", "1 question", "2 questions"]
    assert kind_label("hr") == "HR" and kind_label("technical") == "Technical"
    assert score_text(67.0) == "67" and score_text(None) == "—" and score_text(66.6) == "67"
    assert [signed(v) for v in (12.0, -3.2, 0.2, None)] == ["+12", "-3", "0", "—"]
    assert [figure(v) for v in (1.0, 0.25, 2.345)] == ["1", "0.25", "2.35"]


def test_times_are_shown_in_the_college_zone_with_its_name():
    assert format_local(datetime(2026, 12, 2, 3, 30), "Asia/Kolkata") == "02 Dec 2026, 09:00 IST"
    assert format_local(datetime(2026, 7, 2, 3, 30), "Europe/London") == "02 Jul 2026, 04:30 BST"


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_shows_codes_bad_plurals_bare_times_or_trailing_zeros(site, role):
    found = site[role].pages
    assert len(found) >= MIN_PAGES[role], sorted(found)
    problems = []
    for path, html in found.items():
        text = visible_text(html)
        for name, pattern in PROBLEMS.items():
            for match in pattern.finditer(text):
                problems.append(f"{path}: {name}: …{text[max(0, match.start() - 40):match.end() + 20]}…")
    assert not problems, "\n".join(problems)


@ON_SQLITE
@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_is_wider_than_a_phone(site, role):
    assert len(site[role].pages) >= MIN_PAGES[role], sorted(site[role].pages)
    assert site[role].wide == [], "\n".join(site[role].wide)


def on_screen(page: Page, box: dict | None) -> bool:
    """Within the viewport's width as the page loaded: nothing (page or table) scrolled sideways."""
    width = page.evaluate("document.documentElement.clientWidth")
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] > 0


@ON_SQLITE
def test_a_candidate_starts_an_assignment_and_reads_scores_on_a_phone(browser, served):
    page = signed_in_page(browser, served, "candidate", PHONE, is_mobile=True, has_touch=True)
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


@ON_SQLITE
def test_the_staff_header_fits_on_two_rows_at_1366_px(browser, served):
    page = signed_in_page(browser, served, "admin", LAPTOP)
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

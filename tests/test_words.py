"""Time and words, over every page each role reaches in the demo tenant: times carry their
zone, interview types read "HR" (never "Hr" or the code "hr"), plurals are real (never
"question(s)") and scores are whole numbers (never "67.0")."""

from __future__ import annotations

import re
from html import unescape

import pytest
from crawl_helpers import ROLES, pages, seed, sign_in

from aimi.platform.timeutil import format_local
from aimi.platform.wording import figure, kind_label, plural, score_text, signed

PROBLEMS = {
    "a made-up plural": re.compile(r"\w\(s\)"),
    "'Hr' for HR": re.compile(r"\bHr\b"),
    "the raw code 'hr'": re.compile(r"\bhr\b"),
    "a score with '.0'": re.compile(r"(?<![\d.])\d{1,3}\.0\b(?!\d)"),
    "a time without its zone": re.compile(r"\b\d{1,2}:\d{2}\b(?!:)(?!\s?(?:[A-Z]{2,5}\b|[+-]\d{2}))"),
}


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
    from datetime import datetime

    assert format_local(datetime(2026, 12, 2, 3, 30), "Asia/Kolkata") == "02 Dec 2026, 09:00 IST"
    assert format_local(datetime(2026, 7, 2, 3, 30), "Europe/London") == "02 Jul 2026, 04:30 BST"


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_shows_codes_bad_plurals_bare_times_or_trailing_zeros(world, role):
    seed(world)
    found = pages(sign_in(world, role))
    assert len(found) >= {"admin": 15, "mentor": 8, "candidate": 6}[role], sorted(found)
    problems = []
    for path, html in found.items():
        text = visible_text(html)
        for name, pattern in PROBLEMS.items():
            for match in pattern.finditer(text):
                problems.append(f"{path}: {name}: …{text[max(0, match.start() - 40):match.end() + 20]}…")
    assert not problems, "\n".join(problems)

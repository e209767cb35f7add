"""The Content-Security-Policy allows no inline script or style (issue 11): the header says
so, and key pages render in Chromium without one CSP violation in its console. The brand
colours are the only inline block, carrying each response's own nonce."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from e2e_helpers import live_server, new_page, sign_in
from score_helpers import answer_report, new_user, scored_interview

from aimi.platform.timeutil import utcnow

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def policy(resp) -> dict[str, str]:
    header = resp.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_the_header_allows_no_inline_script_or_style(world):
    first, second = world.client().get("/t/alpha/login"), world.client().get("/t/alpha/login")
    rules = policy(first)
    assert rules["script-src"] == "script-src 'self'"
    assert re.fullmatch(r"style-src 'self' 'nonce-[\w-]{20,}'", rules["style-src"])
    assert "unsafe-inline" not in first.headers["Content-Security-Policy"]
    nonce = rules["style-src"].split("'nonce-")[1].rstrip("'")
    assert f'<style nonce="{nonce}">' in first.get_data(as_text=True)
    assert policy(second)["style-src"] != rules["style-src"]  # a new nonce per response
    for page in (first, world.login("alpha", "candidate").get("/t/alpha/dashboard")):
        html = page.get_data(as_text=True)
        assert " style=" not in html and "<script>" not in html


def test_key_pages_render_without_csp_violations_in_chromium(world, browser):
    candidate_id, address = new_user(world, "alpha")
    reports = [answer_report({"content": 70.0, "language": 60.0}), answer_report({"content": 55.0})]
    interview_id = scored_interview(world, "alpha", candidate_id, utcnow() - timedelta(days=2), reports)
    scored_interview(world, "alpha", candidate_id, utcnow() - timedelta(days=1), reports)
    with live_server(world.app) as base_url:
        violations: list[str] = []

        def watch(page) -> None:
            page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
                    if "Content Security Policy" in msg.text else None)

        visitor = new_page(browser, base_url)
        watch(visitor)
        for path in ("/t/alpha/", "/t/alpha/login", "/t/alpha/reset"):
            assert visitor.goto(path).ok, path
        candidate = new_page(browser, base_url)
        watch(candidate)
        sign_in(candidate, "alpha", address)
        for path in ("/t/alpha/dashboard", f"/t/alpha/interviews/{interview_id}/report",
                     "/t/alpha/interviews/", "/t/alpha/account/data/", "/t/alpha/notifications/"):
            assert candidate.goto(path).ok, path
            candidate.wait_for_load_state("networkidle")
        brand = candidate.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand')")
        assert brand.strip().startswith("#")  # the nonce'd brand block applied
        admin = new_page(browser, base_url)
        watch(admin)
        sign_in(admin, "alpha", world.email("alpha", "admin"))
        for path in ("/t/alpha/analytics/", "/t/alpha/manage/settings", "/t/alpha/manage/users",
                     "/t/alpha/questions"):
            assert admin.goto(path).ok, path
            admin.wait_for_load_state("networkidle")
        for page in (visitor, candidate, admin):
            page.context.close()
    assert violations == []

"""The admin's mail preview shows each e-mail as a member receives it: the mail's HTML (inline
styles, as mail clients need) is served from its own route into a sandboxed frame, under a
policy that allows inline styles and no script, so the portal page's own policy stays strict
and Chromium reports no violation. The frame is wide enough to read on a desktop and fits a
phone."""

from __future__ import annotations

import pytest
from e2e_helpers import live_server, sign_in
from helpers import sign_in as client_sign_in
from score_helpers import new_user

from aimi.tenants.notifications import KINDS

LOOKS = {"alpha": {"display_name": "Alpha Preview Institute", "accent_color": "#b0306a"},
         "beta": {"display_name": "Beta Preview College", "accent_color": "#2a7f3c"}}
ACCENT_RGB = "rgb(176, 48, 106)"  # alpha's #b0306a as Chromium computes it


@pytest.fixture
def branded(change_settings) -> dict:
    """Each college with a name and accent colour of its own (restored afterwards)."""
    for slug, looks in LOOKS.items():
        change_settings(slug, looks)
    return LOOKS


def test_the_mail_has_its_own_route_and_a_policy_without_scripts(world, branded):
    admin = world.login("alpha", "admin")
    page = admin.get("/t/alpha/manage/mail-preview/report_ready").get_data(as_text=True)
    assert 'src="/t/alpha/manage/mail-preview/report_ready/mail"' in page
    assert "srcdoc=" not in page and " style=" not in page
    frame_tag = page.split("<iframe", 1)[1].split(">", 1)[0]
    assert 'sandbox=""' in frame_tag and "allow-scripts" not in frame_tag
    for kind in KINDS:
        resp = admin.get(f"/t/alpha/manage/mail-preview/{kind}/mail")
        assert resp.status_code == 200, kind
        assert resp.content_type.startswith("text/html")
        html = resp.get_data(as_text=True)
        assert "Alpha Preview Institute" in html and "#b0306a" in html
        assert "Beta Preview" not in html and "#2a7f3c" not in html
        policy = resp.headers["Content-Security-Policy"]
        rules = {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}
        assert rules["default-src"] == "default-src 'none'"
        assert rules["style-src"] == "style-src 'unsafe-inline'"
        assert "script-src" not in rules and "sandbox" in rules  # scripts fall back to 'none'
        assert rules["frame-ancestors"] == "frame-ancestors 'self'"
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert admin.get("/t/alpha/manage/mail-preview/nonsense/mail").status_code == 404
    # The portal's own pages keep their strict policy.
    main = admin.get("/t/alpha/manage/mail-preview/report_ready")
    assert "unsafe-inline" not in main.headers["Content-Security-Policy"]
    assert main.headers["X-Frame-Options"] == "DENY"


def test_the_mail_route_is_for_this_colleges_admins_only(world, branded):
    candidate = client_sign_in(world, "alpha", new_user(world, "alpha")[1])
    assert candidate.get("/t/alpha/manage/mail-preview/report_ready/mail").status_code == 403
    anonymous = world.client().get("/t/alpha/manage/mail-preview/report_ready/mail")
    assert anonymous.status_code in (302, 401, 403)
    assert "Alpha Preview" not in anonymous.get_data(as_text=True)
    alpha_admin = world.login("alpha", "admin")
    crossing = alpha_admin.get("/t/beta/manage/mail-preview/report_ready/mail")
    assert crossing.status_code != 200
    assert "Beta Preview" not in crossing.get_data(as_text=True)
    beta = world.login("beta", "admin").get("/t/beta/manage/mail-preview/report_ready/mail")
    html = beta.get_data(as_text=True)
    assert beta.status_code == 200 and "Beta Preview College" in html and "Alpha Preview" not in html


FRAME = "iframe[title='The e-mail as HTML']"
MAIL_BOX = "table[role=presentation] table[role=presentation]"  # the mail's 600 px card


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_chromium_shows_the_mail_styled_and_readable(world, browser, branded, viewport):
    with live_server(world.app) as base_url:
        context = browser.new_context(base_url=base_url, viewport=viewport)
        context.set_default_timeout(10_000)
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda msg: violations.append(msg.text)
                if "Content Security Policy" in msg.text else None)
        sign_in(page, "alpha", world.email("alpha", "admin"))
        page.goto("/t/alpha/manage/mail-preview/assignment_published")
        page.wait_for_load_state("networkidle")
        frame = page.frame_locator(FRAME)
        button = frame.get_by_role("link", name="Open in Alpha Preview Institute")
        assert button.evaluate("e => getComputedStyle(e).backgroundColor") == ACCENT_RGB
        college = frame.locator(".college")
        assert college.inner_text() == "Alpha Preview Institute"
        assert "Arial" in college.evaluate("e => getComputedStyle(e).fontFamily")
        card = frame.locator(MAIL_BOX).bounding_box()
        box = page.locator(FRAME).bounding_box()
        assert card and box
        if viewport["width"] > 1000:
            assert card["width"] >= 500 and box["width"] >= 500
        else:
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
            assert card["width"] >= 300
            assert page.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert box["height"] >= 400  # the heading, text and button show without scrolling the frame
        context.close()
    assert violations == []

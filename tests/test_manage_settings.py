"""The tenant admin's settings page and audit log through HTTP: each field's error shown
beside it with nothing saved, branding that reaches the landing page, the change audited
(secrets hidden) and shown in the tenant's time zone."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict
from html.parser import HTMLParser

from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants import audit
from aimi.tenants import settings as tenant_settings
from aimi.tenants.models import AuditLog

SETTINGS_URL = "/t/{slug}/manage/settings"


class FormReader(HTMLParser):
    """What a browser would send back, unchanged, from the form posting to ``action``."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "form":
            self.inside = attr.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and (attr.get("type") not in ("radio", "checkbox") or "checked" in attr):
            self.values[attr["name"]] = attr.get("value") or ""
        elif tag == "select":
            self.select = attr["name"]
        elif tag == "option" and self.select and "selected" in attr:
            self.values[self.select] = attr["value"]
        elif tag == "textarea":
            self.textarea = attr["name"]
            self.values[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag in ("form", "select", "textarea"):
            self.inside = self.inside and tag != "form"
            self.select = self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data.removeprefix("\r\n").removeprefix("\n")


def form_values(html: str, action: str) -> dict:
    reader = FormReader(action)
    reader.feed(html)
    return reader.values


def submit(client, slug: str, changes: dict):
    url = SETTINGS_URL.format(slug=slug)
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={**form_values(page, url), **changes})


def settings_audits(ref) -> list[AuditLog]:
    with tenant_scope(ref):
        entries = list(tenant_session.scalars(
            select(AuditLog).where(AuditLog.action == "settings.changed").order_by(AuditLog.id)))
        tenant_session.expunge_all()
        return entries


def test_settings_page_shows_the_current_values(world):
    admin = world.login("alpha", "admin")
    resp = admin.get("/t/alpha/manage/settings")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'type="color"' in html and 'value="Asia/Kolkata"' in html
    values = form_values(html, "/t/alpha/manage/settings")
    with tenant_scope(world.tenants["alpha"]):
        current = tenant_settings.load(tenant_session())
    assert values["display_name"] == current.display_name
    assert values["primary_color"] == current.primary_color
    assert values["timezone"] == current.timezone
    assert values["registration_policy"] == current.registration_policy


def test_invalid_settings_show_each_error_and_save_nothing(world):
    admin = world.login("alpha", "admin")
    ref = world.tenants["alpha"]
    with tenant_scope(ref):
        before = asdict(tenant_settings.load(tenant_session()))
        audits = tenant_session.scalar(select(func.count()).select_from(AuditLog))
    resp = submit(admin, "alpha", {
        "display_name": "A perfectly fine new name", "primary_color": "red", "timezone": "Mars/Olympus",
        "locale": "english", "logo_url": "http://insecure.example.com/logo.png",
        "registration_policy": "invite_code", "invite_code": "abc",
        "allowed_email_domains": "college.edu, not a domain",
    })
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for field, message in {
        "primary_color": "use a hex colour like #4f46e5",
        "timezone": "use an IANA time zone",
        "locale": "use a locale such as en",
        "logo_url": "use an https:// address",
        "invite_code": "set an invite code of at least 6 characters",
        "allowed_email_domains": "not a domain: a, domain, not",
    }.items():
        assert re.search(rf'<ul class="field-error" id="{field}-error"><li>{re.escape(message)}', html), field
    assert 'value="A perfectly fine new name"' in html  # what was typed is kept for correction
    with tenant_scope(ref):
        assert asdict(tenant_settings.load(tenant_session())) == before
        assert tenant_session.scalar(select(func.count()).select_from(AuditLog)) == audits


def test_branding_change_reaches_the_landing_page_and_the_audit_log(world):
    slug = f"brand-{uuid.uuid4().hex[:8]}"
    ref = world.new_tenant(slug)
    admin = world.login(slug, "admin")
    name = f"Zenith Institute {slug}"
    resp = submit(admin, slug, {
        "display_name": name, "primary_color": "#12ab34", "accent_color": "#abcdef",
        "welcome_text": "Practise with Zenith's placement cell.", "timezone": "Asia/Kolkata",
        "registration_policy": "invite_code", "invite_code": "zenith-secret-2025",
        "allowed_email_domains": "zenith.edu, students.zenith.edu",
    })
    assert resp.status_code == 302
    landing = world.client().get(f"/t/{slug}/").get_data(as_text=True)
    assert f"<h1>{name}</h1>" in landing and "--brand: #12ab34" in landing
    assert "Practise with Zenith&#39;s placement cell." in landing

    (entry,) = settings_audits(ref)
    assert entry.actor_email == world.email(slug, "admin") and entry.ip == "127.0.0.1"
    changes = entry.details["changes"]
    assert changes["display_name"][1] == name
    assert changes["allowed_email_domains"][1] == ["students.zenith.edu", "zenith.edu"]
    assert changes["invite_code"] == "changed"
    log = admin.get(f"/t/{slug}/manage/audit").get_data(as_text=True)
    assert "settings.changed" in log and f"→ {name}" in log and "zenith-secret-2025" not in log
    assert re.search(r"\d\d:\d\d IST", log), "audit times are shown in the tenant's time zone"

    again = submit(admin, slug, {})
    assert again.status_code == 302 and len(settings_audits(ref)) == 1  # nothing changed, nothing logged


def test_audit_log_filters_by_action_and_paginates(world):
    slug = f"audit-{uuid.uuid4().hex[:8]}"
    ref = world.new_tenant(slug)
    admin = world.login(slug, "admin")
    for i in range(26):
        assert submit(admin, slug, {"welcome_text": f"Welcome number {i}"}).status_code == 302
    first = admin.get(f"/t/{slug}/manage/audit?action=settings.changed").get_data(as_text=True)
    assert "26 entries" in first and first.index("→ Welcome number 25") < first.index("→ Welcome number 24")
    assert "Welcome number 0<" not in first
    second = admin.get(f"/t/{slug}/manage/audit?action=settings.changed&page=2").get_data(as_text=True)
    assert "→ Welcome number 0<" in second
    none = admin.get(f"/t/{slug}/manage/audit?action=cohort.deleted").get_data(as_text=True)
    assert "No entries" in none
    assert len(settings_audits(ref)) == 26


def test_audit_details_read_as_key_value_text(world):
    """The walk-through: the audit log showed raw dicts such as {'role': 'mentor'}. Details
    read as "key: value" lines, nested ones included, in the wording of platform/wording.py."""
    marker = uuid.uuid4().hex[:8]
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        audit.record(session, f"test.details_{marker}", target_type="mentor_review", target_id=7, details={
            "answer_id": 12, "before": None, "granted": {"role": "mentor"},
            "after": {"status": "reviewed", "scores": {"content": 80.0}, "rubric": [0, 2], "overall": None,
                      "comment": "Good"},
            "changes": {"roles": [["candidate"], ["candidate", "mentor"]],
                        "calibration_enabled": [True, False]}})
        session.commit()
    log = world.login("alpha", "admin").get(f"/t/alpha/manage/audit?action=test.details_{marker}")
    row = log.get_data(as_text=True).split(f"test.details_{marker}</span>", 1)[1].split("</tr>", 1)[0]
    lines = [" ".join(re.sub(r"<[^>]+>", "", line).split())
             for line in re.findall(r"<div>(.*?)</div>", row, re.S)]
    assert lines == [
        "Answer: 12",
        "Before: none",
        "Granted: Role: mentor",
        "After: Status: reviewed; Scores (Content: 80); Rubric: 0, 2; Overall: none; Comment: Good",
        "Roles: candidate → candidate, mentor",
        "Calibration enabled: yes → no",
    ]
    assert "{" not in row and "[" not in row and "None" not in row and "True" not in row
    assert "Mentor review 7" in row

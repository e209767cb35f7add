"""Cohort analytics and the placement-cell exports through HTTP: heatmap values, completion
of assignments, popular roles, common weak points, CSV and XLSX that parse with the right
rows; admins only; and nothing of another tenant in any of it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from helpers import csrf_token, post_form, tag
from openpyxl import load_workbook
from score_helpers import answer_report, new_assignment, new_cohort, new_user, scored_interview
from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.platform.wording import figure as number_text
from aimi.platform.wording import kind_label, plural
from aimi.tenants import calibration, reviews
from aimi.tenants.interview_models import InterviewAnswer, MentorReview
from aimi.tenants.models import AuditLog, User
from aimi.web.portal import charts

EXPORTS = ("/analytics/export.csv", "/analytics/export.xlsx")


def export(client, slug: str, kind: str, cohort: object = ""):
    """Download an export as the analytics page's form does: a POST with its CSRF token."""
    page = f"/t/{slug}/analytics/"
    return post_form(client, page, f"{page}export.{kind}", {"cohort": cohort})


def build_cohort(world, slug: str = "alpha") -> dict:
    """Three candidates: Asha (two scored interviews), Ben (one, plus one under way), Cal (none)."""
    t = tag()
    asha, asha_email = new_user(world, slug, "asha", name=f"Asha {t}")
    ben, ben_email = new_user(world, slug, "ben", name=f"Ben {t}")
    cal, cal_email = new_user(world, slug, "cal", name=f"Cal {t}")
    name = f"Analytics {t}"
    cohort = new_cohort(world, slug, [asha, ben, cal], name=name)
    with tenant_scope(world.tenants[slug]):
        tenant_session.get(User, asha).roll_number = f"R-{t}"
        tenant_session.commit()
    due = utcnow() + timedelta(days=3)
    assignment = new_assignment(world, slug, cohort, f"Placement mock {t}", due)
    point_a, point_b = f"Explain the trade-off {t}", f"Name a metric {t}"
    day = utcnow() - timedelta(days=2)
    scored_interview(world, slug, asha, day, [
        answer_report({"content": 60, "structure": 50}, missed=[point_a, point_b]),
        answer_report({"content": 80, "structure": 50}, missed=[point_a])], assignment_id=assignment)
    scored_interview(world, slug, asha, day + timedelta(days=1), [
        answer_report({"content": 70, "structure": 55}, missed=[point_a], covered=[point_b])],
        role="data-scientist")
    scored_interview(world, slug, ben, day,
                     [answer_report({"content": 40, "structure": 90}, missed=[point_b])])
    scored_interview(world, slug, ben, day, [answer_report({"content": 10})], status="in_progress",
                     assignment_id=assignment)
    return {"id": cohort, "name": name, "tag": t, "assignment": assignment, "points": (point_a, point_b),
            "emails": (asha_email, ben_email, cal_email), "names": (f"Asha {t}", f"Ben {t}", f"Cal {t}"),
            "roll": f"R-{t}"}


def table_rows(html: str, anchor: str) -> dict[str, list[str]]:
    """The rows (header cell -> data cells) of the first table after ``anchor``."""
    start = html.index(anchor)
    table = html[start:html.index("</table>", start)]
    return {head.strip(): re.findall(r"<td[^>]*>([^<]*)", cells)
            for head, cells in re.findall(r'<th scope="row">([^<]*)</th>(.*?)</tr>', table, re.S)}


@pytest.fixture(scope="module")
def alpha_cohort(world):
    return build_cohort(world)


def test_heatmap_shows_each_candidates_mean_per_dimension(world, alpha_cohort):
    resp = world.login("alpha", "admin").get(f"/t/alpha/analytics/?cohort={alpha_cohort['id']}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    asha, ben, cal = alpha_cohort["names"]
    rows = table_rows(html, 'id="cohort-heatmap"')
    # Asha: interview means content 70 and 70 -> 70, structure 50 and 55 -> 52.5; Ben 40 / 90; Cal nothing.
    assert rows == {asha: ["70", "52.5"], ben: ["40", "90"], cal: ["—", "—"]}
    assert html.count('class="heat-cell"') == 6
    assert f"{asha}, structure: 52.5" in html


def test_completion_roles_and_weak_points(world, alpha_cohort):
    html = world.login("alpha", "admin").get(f"/t/alpha/analytics/?cohort={alpha_cohort['id']}") \
        .get_data(as_text=True)
    completion = table_rows(html, 'id="completion"')
    # Asha's attempt is scored, Ben's is still under way, Cal has none: 1 of 3.
    assert completion[f"Placement mock {alpha_cohort['tag']}"][1:] == ["1 / 3", "33%"]
    roles = table_rows(html, 'id="popular-roles"')
    assert roles == {"Software Engineer": ["3"], "Data Scientist": ["1"]}
    point_a, point_b = alpha_cohort["points"]
    weak = table_rows(html, 'id="weak-points"')
    assert weak[point_a] == ["3"] and weak[point_b] == ["2"]
    assert list(weak)[:2] == [point_a, point_b]


def test_cohort_selector_defaults_and_bad_ids(world, alpha_cohort):
    admin = world.login("alpha", "admin")
    resp = admin.get("/t/alpha/analytics/")
    assert resp.status_code == 200 and "Choose a cohort" in resp.get_data(as_text=True)
    for bad in ("999999", "abc", "-1"):
        resp = admin.get(f"/t/alpha/analytics/?cohort={bad}")
        assert resp.status_code == 404
        assert "There is no cohort with this number" in resp.get_data(as_text=True)
        assert export(admin, "alpha", "csv", bad).status_code == 404


def test_only_admins_reach_analytics(world):
    for role in ("mentor", "candidate"):
        client = world.login("alpha", role)
        assert client.get("/t/alpha/analytics/").status_code == 403, role
        token = csrf_token(client.get("/t/alpha/change").get_data(as_text=True))
        for route in EXPORTS:
            resp = client.post(f"/t/alpha{route}", data={"csrf_token": token})
            assert resp.status_code == 403, (role, route)
    anonymous = world.client()
    for method, route in (("get", "/analytics/"), *(("post", route) for route in EXPORTS)):
        resp = getattr(anonymous, method)(f"/t/alpha{route}")
        assert resp.status_code in (302, 401), (method, route)
        if resp.status_code == 302:
            assert "/t/alpha/login" in resp.headers["Location"]


def test_exports_are_forms_that_post(world, alpha_cohort):
    """A followed or prefetched link must not write the audit entry: the page offers POST
    forms (every candidate, and the chosen cohort), and a GET of an export is refused."""
    admin = world.login("alpha", "admin")
    html = admin.get(f"/t/alpha/analytics/?cohort={alpha_cohort['id']}").get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*data-export="([^"]+)">.*?'
                       r'name="cohort" value="([^"]*)"', html, re.S)
    cohort = str(alpha_cohort["id"])
    assert sorted(forms) == sorted((f"/t/alpha{route}", which, value) for route in EXPORTS
                                   for which, value in (("all", ""), (cohort, cohort)))
    with tenant_scope(world.tenants["alpha"]):
        before = tenant_session.scalar(select(func.count()).where(AuditLog.action == "analytics.exported"))
    for route in EXPORTS:
        assert admin.get(f"/t/alpha{route}?cohort={cohort}").status_code == 405
    with tenant_scope(world.tenants["alpha"]):
        after = tenant_session.scalar(select(func.count()).where(AuditLog.action == "analytics.exported"))
    assert after == before


def expected_rows(cohort: dict) -> list[list[str]]:
    asha, ben, cal = cohort["names"]
    a, b, c = cohort["emails"]
    day = (utcnow() - timedelta(days=2)).date()
    later = (day + timedelta(days=1)).isoformat()
    return [
        [asha, cohort["roll"], a, cohort["name"], "2", "61.2", "70.0", "52.5", "61.2", "0", "0", "", "",
         later],
        [ben, "", b, cohort["name"], "1", "65.0", "40.0", "90.0", "65.0", "0", "0", "", "", day.isoformat()],
        [cal, "", c, cohort["name"], "0", "", "", "", "", "0", "0", "", "", ""],
    ]


def test_csv_export_of_a_cohort(world, alpha_cohort):
    resp = export(world.login("alpha", "admin"), "alpha", "csv", alpha_cohort["id"])
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Roll number", "Email", "Cohorts", "Scored interviews", "Mean overall",
                       "Mean content", "Mean structure", "AI mean overall", "Mentor-reviewed answers",
                       "Mentor-reviewed interviews", "Mentor mean overall (reviewed interviews)",
                       "AI mean overall (same interviews)", "Last interview (UTC)"]
    # Asha's overalls: answers (55, 65) -> 60 and 62.5 -> mean 61.2; Ben 65.
    assert sorted(rows[1:], key=lambda r: r[2]) == sorted(expected_rows(alpha_cohort), key=lambda r: r[2])
    with tenant_scope(world.tenants["alpha"]):
        entry = tenant_session.scalar(select(AuditLog).where(AuditLog.action == "analytics.exported")
                                      .order_by(AuditLog.id.desc()))
        assert entry.details == {"format": "csv", "cohort": alpha_cohort["name"], "rows": 3}
        assert entry.actor_email == world.email("alpha", "admin")


def test_xlsx_export_parses_with_the_same_rows(world, alpha_cohort):
    resp = export(world.login("alpha", "admin"), "alpha", "xlsx", alpha_cohort["id"])
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Name", "Roll number", "Email"] and len(rows) == 4
    by_email = {r[2]: r for r in rows[1:]}
    asha, ben, cal = alpha_cohort["emails"]
    assert by_email[asha][1] == alpha_cohort["roll"] and by_email[asha][4:8] == [2, 61.2, 70, 52.5]
    assert by_email[ben][4:8] == [1, 65, 40, 90]
    assert by_email[cal][4:] == [0, None, None, None, None, 0, 0, None, None, None]


def test_export_of_all_candidates_stays_in_the_tenant(world, alpha_cohort):
    beta = build_cohort(world, "beta")  # look-alike data: same shape, same cohort naming
    alpha_csv = export(world.login("alpha", "admin"), "alpha", "csv").data.decode("utf-8-sig")
    beta_csv = export(world.login("beta", "admin"), "beta", "csv").data.decode("utf-8-sig")
    alpha_emails = {r[2] for r in list(csv.reader(io.StringIO(alpha_csv)))[1:]}
    beta_emails = {r[2] for r in list(csv.reader(io.StringIO(beta_csv)))[1:]}
    assert set(alpha_cohort["emails"]) <= alpha_emails and world.email("alpha", "candidate") in alpha_emails
    assert set(beta["emails"]) <= beta_emails
    assert not alpha_emails & beta_emails
    # Beta's cohort id read on alpha: a 404 or alpha's own cohort with that id, never beta's data.
    resp = world.login("alpha", "admin").get(f"/t/alpha/analytics/?cohort={beta['id']}")
    html = resp.get_data(as_text=True)
    assert resp.status_code in (200, 404)
    assert beta["name"] not in html and beta["points"][0] not in html
    xlsx = export(world.login("alpha", "admin"), "alpha", "xlsx", beta["id"])
    if xlsx.status_code == 200:
        sheet = load_workbook(io.BytesIO(xlsx.data)).active
        emails = {r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert not emails & beta_emails
    else:
        assert xlsx.status_code == 404


def test_exported_names_cannot_become_formulas(world):
    user, email = new_user(world, "alpha", "formula", name="=HYPERLINK(\"http://x\")")
    cohort = new_cohort(world, "alpha", [user])
    admin = world.login("alpha", "admin")
    rows = list(csv.reader(io.StringIO(
        export(admin, "alpha", "csv", cohort).data.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"
    xlsx = export(admin, "alpha", "xlsx", cohort)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\")" and sheet["A2"].data_type == "s"


def test_empty_cohort_says_what_to_do(world):
    cohort = new_cohort(world, "alpha", [])
    html = world.login("alpha", "admin").get(f"/t/alpha/analytics/?cohort={cohort}").get_data(as_text=True)
    assert "This cohort has no candidates" in html
    assert "No interview is assigned to this cohort" in html
    assert "No missed rubric point yet" in html


def _reviewed(world) -> None:
    """A finished review in alpha whose content is far from the AI's."""
    user, _email = new_user(world, "alpha", "reviewed")
    interview = scored_interview(world, "alpha", user, utcnow(), [answer_report({"content": 70})])
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        mentor = session.scalar(select(User.id).where(User.email == world.email("alpha", "mentor")))
        answer = session.scalar(select(InterviewAnswer.id).where(InterviewAnswer.interview_id == interview))
        session.add(MentorReview(answer_id=answer, mentor_id=mentor, status="reviewed", overall=95.0,
                                 scores={"content": 95.0}, comment="Much better than the AI says."))
        session.commit()


def test_ai_mentor_agreement_figure(world):
    _reviewed(world)
    with tenant_scope(world.tenants["alpha"]):
        stats = reviews.agreement_stats(tenant_session())
    html = world.login("alpha", "admin").get("/t/alpha/analytics/").get_data(as_text=True)
    figure = html[html.index('id="agreement"'):html.index('id="calibration"')]
    lead = re.sub(r"<[^>]+>", "", re.search(r'data-stat="overall">(.*?)</p>', figure, re.S).group(1))
    assert " ".join(lead.split()) == (
        f"On the overall score, the AI was within 10 points of the mentor on "
        f"{stats.overall.within_share * 100:.0f}% of {plural(stats.overall.n, 'reviewed answer')}.")
    assert f'<td class="num">{number_text(round(stats.overall.mean_abs_diff, 1))}</td>' in figure


def test_agreement_says_plainly_what_each_figure_measures(world):
    """The walk-through: "56% within 10 points on every dimension" as the headline beside
    per-dimension figures of 83-100% read as a contradiction. The joint figure is no headline:
    it says it needs every score close, and why it is lower than each row."""
    _reviewed(world)
    html = world.login("alpha", "admin").get("/t/alpha/analytics/").get_data(as_text=True)
    figure = html[html.index('id="agreement"'):html.index('id="calibration"')]
    with tenant_scope(world.tenants["alpha"]):
        stats = reviews.agreement_stats(tenant_session())
    assert "on every dimension and overall" not in figure and 'data-stat="agreeing"' not in figure
    joint = " ".join(re.sub(r"<[^>]+>", "", re.search(r'data-stat="every">(.*?)</p>', figure, re.S)
                            .group(1)).split())
    assert joint.startswith(f"All of the mentor's scores (the overall and every dimension they scored) were "
                            f"within 10 points of the AI's on {stats.agreeing} of "
                            f"{plural(stats.count, 'reviewed answer')} ({stats.agreeing_share * 100:.0f}%)")
    assert "lower than any row of the table" in joint


def test_the_calibration_card_says_which_state_it_is_in(world):
    """The walk-through: "Calibrated scores are shown" beside "Not fitted yet". One state is
    said: not enough reviews yet (N of 30 per type), fitted, or switched off."""
    admin = world.login("beta", "admin")
    with tenant_scope(world.tenants["beta"]):
        counts = calibration.status(tenant_session()).reviews
    card = admin.get("/t/beta/analytics/").get_data(as_text=True)
    card = card[card.index('id="calibration"'):card.index('id="exports"')]
    state = " ".join(re.sub(r"<[^>]+>", "", re.search(r'data-calibration-state="waiting">(.*?)</p>', card,
                                                      re.S).group(1)).split())
    so_far = ", ".join(f"{kind_label(kind)} {n} of {calibration.MIN_REVIEWS}" for kind, n in counts.items()) \
        or "no reviewed answers yet"
    assert state == (f"Not fitted yet: an interview type needs {calibration.MIN_REVIEWS} reviewed answers "
                     f"before the AI is calibrated to your mentors. So far: {so_far}.")
    assert ">shown<" not in card and "Not fitted yet." not in card


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_heatmap_cell_text_keeps_aa_contrast():
    for value in range(101):
        fill, ink = charts.heat_colour(value)
        light, dark = sorted((_luminance(fill), _luminance(ink)))
        assert (dark + 0.05) / (light + 0.05) >= 4.5, (value, fill, ink)


def test_heatmap_leaves_missing_scores_as_dashes_and_escapes_names():
    svg = str(charts.heatmap("h", "T", "D", ["<b>Eve</b>"], ["content", "tone"], [[71.25, None]]))
    assert "&lt;b&gt;Eve&lt;/b&gt;" in svg and "<b>" not in svg
    assert re.findall(r'<td class="num">([^<]*)</td>', svg) == ["71.2", "—"]

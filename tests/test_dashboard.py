"""The dashboards through HTTP: a candidate's progress chart, history, comparison, badges,
recommended practice and assignments due; a new candidate's empty state; a mentor's
cohorts; an admin's figures; and no way to compare another user's interviews."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

from helpers import sign_in, tag
from score_helpers import answer_report, new_assignment, new_cohort, new_user, scored_interview
from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants import official, progress
from aimi.tenants.interview_models import Interview
from aimi.tenants.models import Role, roles_users

# Three interviews on three days in a row: content rises by 22 points, structure stays weakest.
SCORES = [
    {"content": 60, "structure": 52, "language": 70, "delivery": 66, "tone": 75},
    {"content": 70, "structure": 45, "language": 71, "delivery": 67, "tone": 75},
    {"content": 82, "structure": 48, "language": 72, "delivery": 68, "tone": 75},
]
# Overalls chosen through the answers' own overalls: two answers per interview.
OVERALLS = [(50.0, 60.0), (60.0, 70.0), (80.0, 84.0)]


def noon(days_ago: int) -> datetime:
    return (utcnow() - timedelta(days=days_ago)).replace(hour=12, minute=0, second=0, microsecond=0)


def candidate_with_history(world, slug: str = "alpha") -> tuple[int, str, list[int]]:
    user_id, email = new_user(world, slug, "progress")
    ids = []
    for n, (scores, overalls) in enumerate(zip(SCORES, OVERALLS, strict=True)):
        reports = [{**answer_report(scores), "overall": o} for o in overalls]
        ids.append(scored_interview(world, slug, user_id, noon(3 - n), reports,
                                    role="product-manager" if n == 2 else "software-engineer"))
    return user_id, email, ids


def section(html: str, section_id: str) -> str:
    match = re.search(rf'id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def comparison_deltas(html: str) -> dict[str, str]:
    table = re.search(r'<table[^>]*id="comparison".*?</table>', html, re.S).group(0)
    return {dim.lower(): delta for dim, delta in
            re.findall(r'<th scope="row">(\w+)</th>.*?data-delta="([^"]*)"', table, re.S)}


def test_candidate_dashboard_shows_progress_history_comparison_badges(world):
    _user, email, ids = candidate_with_history(world)
    client = sign_in(world, "alpha", email)
    resp = client.get("/t/alpha/dashboard")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)

    # The chart: one point per dimension per interview, named and described.
    assert html.count('class="chart-point"') == 15
    assert html.count('data-series="structure"') == 3
    assert "<title id=\"progress-chart-t\">Your scores per dimension over time</title>" in html
    assert "Latest: content 82, delivery 68, language 72, structure 48, tone 75." in html

    # History: newest first, each with its report link and overall (mean of the answers).
    history = section(html, "history")
    links = re.findall(r'/t/alpha/interviews/(\d+)/report', history)
    assert [int(i) for i in links] == ids[::-1]
    # Whole numbers on screen (82, not 82.0).
    assert ">82<" in history and ">55<" in history and "82.0" not in history and "Product Manager" in history

    # Comparison defaults to the last two: content 70 -> 82, structure 45 -> 48.
    deltas = comparison_deltas(html)
    assert deltas["content"] == "12.0" and deltas["structure"] == "3.0" and deltas["overall"] == "17.0"

    # Content rose 22 points, but into a product-manager interview from software-engineer
    # ones: not like with like, so no improvement badge (within the role it rose 10).
    badges = dict(re.findall(r'data-badge="(\w+)" data-earned="(\w+)"', html))
    assert badges == {"first": "yes", "five": "no", "eighty": "yes", "streak": "yes", "improver": "no"}

    # Weakest over the latest interviews: structure (mean 48.3), practised with behavioural questions
    # in the role of the latest interview.
    rec = section(html, "recommendation")
    assert "Your weakest area is structure (48/100): try 3 behavioural questions." in rec
    href = unescape(re.search(r'href="([^"]+)"', rec).group(1))
    assert href.startswith("/t/alpha/interviews/?")
    assert set(href.split("?")[1].split("&")) == {"type=hr", "num_questions=3", "role=product-manager"}


def test_compare_two_chosen_interviews(world):
    _user, email, ids = candidate_with_history(world)
    client = sign_in(world, "alpha", email)
    resp = client.get(f"/t/alpha/dashboard?a={ids[0]}&b={ids[2]}")
    assert resp.status_code == 200
    deltas = comparison_deltas(resp.get_data(as_text=True))
    assert deltas["content"] == "22.0" and deltas["structure"] == "-4.0" and deltas["tone"] == "0.0"


def test_compare_refuses_other_peoples_and_bad_choices(world):
    _other, _other_email, other_ids = candidate_with_history(world)
    _user, email, ids = candidate_with_history(world)
    client = sign_in(world, "alpha", email)
    for query, message in ((f"a={other_ids[0]}&b={ids[1]}", "Choose two of your own scored interviews"),
                           (f"a={ids[1]}&b={ids[1]}", "Choose two different interviews"),
                           ("a=abc&b=", "Choose two of your own scored interviews")):
        resp = client.get(f"/t/alpha/dashboard?{query}")
        assert resp.status_code == 422, query
        html = resp.get_data(as_text=True)
        assert message in html
        assert 'id="comparison"' not in html


def test_compare_cannot_reach_another_tenants_interview(world):
    _beta_user, _beta_email, beta_ids = candidate_with_history(world, "beta")
    _user, email, ids = candidate_with_history(world)
    resp = sign_in(world, "alpha", email).get(f"/t/alpha/dashboard?a={beta_ids[0]}&b={ids[0]}")
    assert resp.status_code == 422
    assert 'id="comparison"' not in resp.get_data(as_text=True)


def test_new_candidate_sees_what_to_do_next(world):
    _user, email = new_user(world, "alpha", "fresh")
    resp = sign_in(world, "alpha", email).get("/t/alpha/dashboard")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "No scored interview yet" in html
    assert 'href="/t/alpha/interviews/"' in html
    assert "chart-point" not in html and 'id="recommendation"' not in html
    assert "Nothing is due" in html
    assert set(re.findall(r'data-earned="(\w+)"', html)) == {"no"}


def test_assignments_due_show_until_done(world):
    user_id, email = new_user(world, "alpha", "assigned")
    cohort = new_cohort(world, "alpha", [user_id])
    due_at = utcnow() + timedelta(days=5)
    open_name, done_name = f"Mock round {tag()}", f"Finished round {tag()}"
    new_assignment(world, "alpha", cohort, open_name, due_at, attempt_limit=2)
    done = new_assignment(world, "alpha", cohort, done_name, due_at)
    scored_interview(world, "alpha", user_id, noon(1), [answer_report({"content": 70})], assignment_id=done)
    html = sign_in(world, "alpha", email).get("/t/alpha/dashboard").get_data(as_text=True)
    due = section(html, "assignments-due")
    assert open_name in due and "0 of 2" in due
    assert done_name not in due


def test_mentor_sees_cohort_candidates_with_latest_scores(world):
    mentor_id, mentor_email = new_user(world, "alpha", "mentor", role="mentor")
    first_id, first_email, _ids = candidate_with_history(world)
    idle_id, idle_email = new_user(world, "alpha", "idle")
    name = f"Mentored {tag()}"
    new_cohort(world, "alpha", [first_id, idle_id], [mentor_id], name=name)
    html = sign_in(world, "alpha", mentor_email).get("/t/alpha/dashboard").get_data(as_text=True)
    assert name in html and "2 candidates" in html
    row = re.search(rf"{re.escape(first_email)}.*?</tr>", html, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["3", "82"]
    idle = re.search(rf"{re.escape(idle_email)}.*?</tr>", html, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]+)</td>', idle) == ["0", "—"] and "None yet" in idle


def test_mentor_without_cohorts_is_told_what_to_do(world):
    _mentor, email = new_user(world, "alpha", "lonely", role="mentor")
    html = sign_in(world, "alpha", email).get("/t/alpha/dashboard").get_data(as_text=True)
    assert "You mentor no cohort yet" in html


def test_admin_dashboard_figures_match_the_database(world):
    candidate_with_history(world)
    html = world.login("alpha", "admin").get("/t/alpha/dashboard").get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        candidates = session.scalar(select(func.count()).select_from(roles_users).join(Role)
                                    .where(Role.name == "candidate"))
        week = session.scalar(select(func.count(Interview.id))
                              .where(Interview.started_at >= utcnow() - timedelta(days=7)))
        scores = [s.overall for s in official.interview_scores(
            session, official.scored_interview_ids(session)).values() if s.overall is not None]
        mean = sum(scores) / len(scores)  # official (mentors' reviews count); unscorable ones left out
    figures = re.search(r'id="users-by-role".*?</dl>', html, re.S).group(0)
    assert re.search(rf"<dt>Candidates</dt><dd>{candidates}</dd>", figures)
    assert re.search(rf'id="interviews-this-week">{week}<', html)
    assert f'id="mean-overall">{round(float(mean), 1):.0f}<' in html
    assert 'href="/t/alpha/manage/users"' in html  # the admin areas stay one click away


def test_dashboard_needs_sign_in(world):
    resp = world.client().get("/t/alpha/dashboard")
    assert resp.status_code in (302, 401)
    if resp.status_code == 302:
        assert "/t/alpha/login" in resp.headers["Location"]


def test_badges_need_consecutive_days_and_a_real_rise():
    def interview(day: int, content: float, overall: float = 60.0) -> progress.Scored:
        return progress.Scored(day, datetime(2025, 3, day, 23, 30), "general", "hr", overall,
                               {"content": content})

    gap = [interview(1, 70), interview(2, 56), interview(4, 70), interview(5, 60)]
    earned = {b.key for b in progress.badges(gap) if b.earned}
    assert earned == {"first"}  # 2-day runs only; content rose by 14 at most; no 80+
    # The same evenings in Kolkata fall a day later, still in runs of two.
    assert "streak" not in {b.key for b in progress.badges(gap, "Asia/Kolkata") if b.earned}
    run = [interview(1, 60), interview(2, 50), interview(3, 65, overall=80.0)]
    assert {b.key for b in progress.badges(run) if b.earned} == {"first", "streak", "improver", "eighty"}


def test_improvement_badge_compares_the_same_role_and_type(world):
    """Through the dashboard: a rise measured against another role's or type's interview
    earns nothing; the same rise within one role and type earns the badge."""
    user_id, email = new_user(world, "alpha", "badges")
    dims = [{"content": 40, "structure": 50}, {"content": 70, "structure": 52},
            {"content": 70, "structure": 52}]
    kinds = [("software-engineer", "technical"), ("software-engineer", "hr"), ("data-scientist", "technical")]
    for n, (scores, (role, type_)) in enumerate(zip(dims, kinds, strict=True)):
        scored_interview(world, "alpha", user_id, noon(9 - n), [{**answer_report(scores), "overall": 60.0}],
                         role=role, type=type_)
    client = sign_in(world, "alpha", email)

    def improver() -> str:
        html = client.get("/t/alpha/dashboard").get_data(as_text=True)
        assert "over an earlier interview of the same role and type" in html
        return dict(re.findall(r'data-badge="(\w+)" data-earned="(\w+)"', html))["improver"]

    assert improver() == "no"  # +30 content, but against another type and another role
    scored_interview(world, "alpha", user_id, noon(5), [{**answer_report(dims[1]), "overall": 60.0}],
                     role="software-engineer", type="technical")
    assert improver() == "yes"  # +30 content over the first technical software-engineer interview

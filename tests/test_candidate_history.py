"""Staff open one candidate's practice history through the real pages: admins any candidate
of their college, mentors only their cohorts' candidates (others are a 404, like another
college's ids); the page lists each interview with the official score (the mentor's where
reviewed) beside the AI's, and links to each report. Reached from the user page, the mentor
dashboard and the analytics heatmap. Last sign-in is recorded by a real login."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import csrf_token, make_cohort, sign_in, tag
from markupsafe import escape
from score_helpers import answer_report, new_user, scored_interview
from sqlalchemy import select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.models import Cohort, User, cohort_candidates


def history_url(slug: str, candidate_id: int) -> str:
    return f"/t/{slug}/candidates/{candidate_id}"


def first_answer(world, slug: str, interview_id: int) -> int:
    with tenant_scope(world.tenants[slug]):
        return tenant_session.scalar(select(InterviewAnswer.id)
                                     .where(InterviewAnswer.interview_id == interview_id))


def name_of(world, slug: str, user_id: int) -> str:
    with tenant_scope(world.tenants[slug]):
        return tenant_session.get(User, user_id).display_name


@pytest.fixture
def college(world) -> dict:
    """A mentor with one cohort of one candidate who took two scored interviews (the older
    one reviewed by the mentor), and a candidate outside the mentor's cohorts."""
    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    candidate_id, candidate_email = new_user(world, "alpha", name=f"Asha {tag()}")
    outsider_id, _ = new_user(world, "alpha", name=f"Ravi {tag()}")
    make_cohort(world, "alpha", mentors=[mentor_email], candidates=[candidate_email])
    now = utcnow()
    older = scored_interview(world, "alpha", candidate_id, now - timedelta(days=9),
                             [answer_report({"content": 40.0, "structure": 50.0})])
    newer = scored_interview(world, "alpha", candidate_id, now - timedelta(days=2),
                             [answer_report({"content": 70.0, "structure": 80.0})], type="hr",
                             role="data-scientist")
    mentor = sign_in(world, "alpha", mentor_email)
    answer_id = first_answer(world, "alpha", older)
    url = f"/t/alpha/review/answers/{answer_id}"
    token = csrf_token(mentor.get(url).get_data(as_text=True))
    resp = mentor.post(url, data={"csrf_token": token, "action": "reviewed", "overall": "81",
                                  "comment": "Better than the AI thinks: the example is concrete."})
    assert resp.status_code == 302
    return {"mentor": mentor, "candidate_id": candidate_id, "candidate_email": candidate_email,
            "outsider_id": outsider_id, "older": older, "newer": newer, "mentor_id": mentor_id}


def row_of(page: str, interview_id: int) -> str:
    match = re.search(rf'<tr data-interview="{interview_id}">(.*?)</tr>', page, re.S)
    assert match, f"no row for interview {interview_id}"
    return match.group(1)


def test_history_lists_interviews_with_official_and_ai_scores(world, college):
    admin = world.login("alpha", "admin")
    page = admin.get(history_url("alpha", college["candidate_id"]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert str(escape(name_of(world, "alpha", college["candidate_id"]))) in html
    newest_first = html.index(f'data-interview="{college["newer"]}"')
    assert newest_first < html.index(f'data-interview="{college["older"]}"')
    older = row_of(html, college["older"])
    assert ">81" in older and "mentor reviewed" in older and ">45<" in older  # mentor's, AI's beside
    assert f'/interviews/{college["older"]}/report"' in older
    newer = row_of(html, college["newer"])
    assert ">75<" in newer and "mentor reviewed" not in newer
    assert "HR and behavioural" in newer and "Data Scientist" in newer
    assert "Technical" in older and "Software Engineer" in older
    assert "Scored interviews</dt><dd>2<" in html
    # The report link opens for staff.
    assert admin.get(f"/t/alpha/interviews/{college['older']}/report").status_code == 200


def test_mentor_reads_own_cohort_only(world, college):
    mentor = college["mentor"]
    dashboard = mentor.get("/t/alpha/dashboard").get_data(as_text=True)
    link = f'/candidates/{college["candidate_id"]}"'
    assert link in dashboard
    html = mentor.get(history_url("alpha", college["candidate_id"])).get_data(as_text=True)
    assert f'/interviews/{college["newer"]}/report"' in html
    assert mentor.get(f"/t/alpha/interviews/{college['newer']}/report").status_code == 200
    outside = mentor.get(history_url("alpha", college["outsider_id"]))
    assert outside.status_code == 404
    assert str(escape(name_of(world, "alpha", college["outsider_id"]))) not in outside.get_data(as_text=True)
    # A staff id is not a candidate's history.
    assert mentor.get(history_url("alpha", college["mentor_id"])).status_code == 404
    assert mentor.get(history_url("alpha", 10**9)).status_code == 404


def test_candidates_are_refused_and_anonymous_sent_to_login(world, college):
    candidate = sign_in(world, "alpha", college["candidate_email"])
    assert candidate.get(history_url("alpha", college["candidate_id"])).status_code == 403
    resp = world.client().get(history_url("alpha", college["candidate_id"]))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_another_colleges_candidate_is_out_of_reach(world):
    beta_id, beta_email = new_user(world, "beta", name=f"Beta person {tag()}")
    scored_interview(world, "beta", beta_id, utcnow(), [answer_report({"content": 60.0})])
    admin = world.login("alpha", "admin")
    resp = admin.get(history_url("alpha", beta_id))
    # Ids are per college: the same number may be one of alpha's own users, never beta's.
    assert resp.status_code in (200, 404)
    assert beta_email not in resp.get_data(as_text=True)
    assert admin.get(history_url("beta", beta_id)).status_code in (302, 401, 403, 404)
    assert world.login("beta", "admin").get(history_url("beta", beta_id)).status_code == 200


def test_user_page_links_history_and_shows_a_real_sign_in(world, college):
    admin = world.login("alpha", "admin")
    page = admin.get(f"/t/alpha/manage/users/{college['candidate_id']}").get_data(as_text=True)
    assert "Last sign-in</dt><dd>Never" in page
    assert f'/candidates/{college["candidate_id"]}"' in page
    sign_in(world, "alpha", college["candidate_email"])  # a real login through the login endpoint
    page = admin.get(f"/t/alpha/manage/users/{college['candidate_id']}").get_data(as_text=True)
    assert "Last sign-in</dt><dd>Never" not in page
    history = admin.get(history_url("alpha", college["candidate_id"])).get_data(as_text=True)
    assert "Last sign-in</dt><dd>Never" not in history


def test_analytics_heatmap_names_link_to_the_history(world, college):
    admin = world.login("alpha", "admin")
    with tenant_scope(world.tenants["alpha"]):
        cohort_id = tenant_session.scalar(select(Cohort.id).join(cohort_candidates)
                                          .where(cohort_candidates.c.user_id == college["candidate_id"]))
    html = admin.get(f"/t/alpha/analytics/?cohort={cohort_id}").get_data(as_text=True)
    heatmap = html[html.index('id="heatmap"'):]
    assert f'<a href="/t/alpha/candidates/{college["candidate_id"]}">' in heatmap

"""A mentor's review is the official score, through the real pages: the report, the review
queue, the candidate's dashboard, the mentor's and admin's dashboards, Analytics and its
CSV/XLSX exports all read it, with the AI's score kept beside it.

The story a new user told: a mentor changed Content 30 -> 80 and Language 44 -> 75, left
Overall blank and marked the review done; the report said "agrees with the AI", the queue
"Agrees", Analytics "100% within 10 points", and every other page kept the AI's score.

Each test runs in a college of its own, so its figures count only its own reviews."""

from __future__ import annotations

import csv
import io
import re

import pytest
from helpers import csrf_token, post_form, sign_in, tag
from openpyxl import load_workbook
from score_helpers import answer_report, new_cohort, new_user, scored_interview
from sqlalchemy import select

from aimi.evaluators.report import DEFAULT_WEIGHTS
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants.interview_models import InterviewAnswer

AI = {"content": 30.0, "structure": 50.0, "language": 44.0, "delivery": 60.0, "tone": 60.0}
MENTOR = {"content": 80.0, "language": 75.0}


def weighted(scores: dict[str, float], kind: str = "hr") -> float:
    weights = DEFAULT_WEIGHTS[kind]
    return round(sum(weights[n] * s for n, s in scores.items()) / sum(weights[n] for n in scores), 1)


AI_OVERALL = weighted(AI)  # 47.6: the helper's question is an HR question
MENTOR_OVERALL = weighted({**AI, **MENTOR})  # 64.8


@pytest.fixture
def college(world) -> dict:
    """A fresh college with a mentor, a candidate in the mentor's cohort and one scored
    interview of one answer the AI scored ``AI``."""
    slug = f"ms{tag()}"
    world.tenants[slug] = world.new_tenant(slug)
    mentor_id, mentor_email = new_user(world, slug, "mentor")
    candidate_id, candidate_email = new_user(world, slug, "cand", name=f"Cand {tag()}")
    new_cohort(world, slug, [candidate_id], [mentor_id], name=f"Cohort {tag()}")
    interview_id = scored_interview(world, slug, candidate_id, utcnow(),
                                    [{**answer_report(AI), "overall": AI_OVERALL}], role="general", type="hr")
    with tenant_scope(world.tenants[slug]):
        answer_id = tenant_session.scalar(select(InterviewAnswer.id)
                                          .where(InterviewAnswer.interview_id == interview_id))
    return {"slug": slug, "mentor": sign_in(world, slug, mentor_email), "candidate_email": candidate_email,
            "candidate": sign_in(world, slug, candidate_email), "interview": interview_id,
            "answer": answer_id}


def review(client, slug: str, answer_id: int, action: str = "reviewed", **fields) -> None:
    url = f"/t/{slug}/review/answers/{answer_id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "action": action, "overall": "", "comment": "",
            **{f"score_{n}": "" for n in AI}, **fields}
    resp = client.post(url, data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)


def adjust_content_and_language(college) -> None:
    review(college["mentor"], college["slug"], college["answer"], score_content="80", score_language="75",
           comment="Correct and clearly put; the AI missed it.")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_report_page_shows_the_mentors_recomputed_score_as_official(world, college):
    adjust_content_and_language(college)
    html = college["candidate"].get(f"/t/{college['slug']}/interviews/{college['interview']}/report") \
        .get_data(as_text=True)
    page = text_of(html)
    assert "agrees with the AI" not in page
    headline = text_of(re.search(r'id="overall-title".*?</section>', html, re.S).group(0))
    assert f"{MENTOR_OVERALL:.0f}/100" in headline and "mentor" in headline.lower()
    assert f"AI: {AI_OVERALL:.0f}" in headline
    assert f"Mentor's score: {MENTOR_OVERALL:.0f}/100" in page
    assert "Content 80 (AI 30)" in page and "Language 75 (AI 44)" in page
    dims = text_of(re.search(r'id="dims-title".*?</table>', html, re.S).group(0))
    assert "Content 80 30" in dims and "Language 75 44" in dims and "Structure 50 50" in dims


def test_queue_says_what_differs_and_never_agrees_falsely(world, college):
    adjust_content_and_language(college)
    page = text_of(college["mentor"].get(f"/t/{college['slug']}/review/?tab=reviewed").get_data(as_text=True))
    assert "Agrees" not in page
    assert f"{MENTOR_OVERALL:.0f}" in page
    assert "Differs: content 80 (AI 30), language 75 (AI 44), overall 65 (AI 48)" in page


def test_a_review_within_ten_points_agrees(world, college):
    review(college["mentor"], college["slug"], college["answer"], score_content="36")  # overall +1.5
    page = text_of(college["mentor"].get(f"/t/{college['slug']}/review/?tab=reviewed").get_data(as_text=True))
    assert "Agrees" in page and "Differs" not in page


def test_dashboards_and_exports_read_the_official_score(world, college):
    slug = college["slug"]
    adjust_content_and_language(college)
    dashboard = college["candidate"].get(f"/t/{slug}/dashboard").get_data(as_text=True)
    history = text_of(re.search(r'id="history".*?</section>', dashboard, re.S).group(0))
    assert f"{MENTOR_OVERALL:.0f}" in history and f"{AI_OVERALL:.0f}" not in history.split("AI")[0]
    assert "Latest: content 80, delivery 60, language 75, structure 50, tone 60." in dashboard

    interviews = text_of(college["candidate"].get(f"/t/{slug}/interviews/").get_data(as_text=True))
    assert f"{MENTOR_OVERALL:.0f} (mentor; AI {AI_OVERALL:.0f})" in interviews

    mentor_home = text_of(college["mentor"].get(f"/t/{slug}/dashboard").get_data(as_text=True))
    assert f"{MENTOR_OVERALL:.0f}" in mentor_home

    admin = world.login(slug, "admin")
    figures = admin.get(f"/t/{slug}/dashboard").get_data(as_text=True)
    assert f'id="mean-overall">{MENTOR_OVERALL:.0f}<' in figures

    analytics = f"/t/{slug}/analytics/"
    rows = list(csv.reader(io.StringIO(post_form(admin, analytics, analytics + "export.csv", {})
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    header, row = rows[0], next(r for r in rows[1:] if r[2] == college["candidate_email"])
    values = dict(zip(header, row, strict=True))
    assert values["Mean overall"] == f"{MENTOR_OVERALL}" and values["Mean content"] == "80.0"
    assert values["Mean language"] == "75.0" and values["AI mean overall"] == f"{AI_OVERALL}"
    assert values["Mentor-reviewed answers"] == "1" and values["Mentor-reviewed interviews"] == "1"
    # The mentor's figure beside the AI's for the same reviewed interview.
    assert values["Mentor mean overall (reviewed interviews)"] == f"{MENTOR_OVERALL}"
    assert values["AI mean overall (same interviews)"] == f"{AI_OVERALL}"
    book = load_workbook(io.BytesIO(post_form(admin, analytics, analytics + "export.xlsx", {}).data))
    sheet = [list(r) for r in book.active.iter_rows(values_only=True)]
    xrow = dict(zip(sheet[0], next(r for r in sheet[1:] if r[2] == college["candidate_email"]), strict=True))
    assert xrow["Mean overall"] == MENTOR_OVERALL and xrow["AI mean overall"] == AI_OVERALL

    heat = admin.get(f"/t/{slug}/analytics/").get_data(as_text=True)
    assert ", content: 80" in heat and ", language: 75" in heat


def test_analytics_agreement_counts_the_adjusted_dimensions(world, college):
    adjust_content_and_language(college)
    admin = world.login(college["slug"], "admin")
    html = admin.get(f"/t/{college['slug']}/analytics/").get_data(as_text=True)
    figure = text_of(html[html.index('id="agreement"'):html.index('id="exports"')])
    assert "100% of reviewed answers" not in figure
    assert "within 10 points of the AI's on 0 of 1 reviewed answer (0%)" in figure
    assert re.search(r"Content 1 50 0% —", figure) and re.search(r"Language 1 31 0% —", figure)
    assert "Structure" not in figure  # left blank: no evidence of agreement, not 100%


def test_api_gives_the_official_scores_with_the_ais_beside(world, college):
    slug = college["slug"]
    adjust_content_and_language(college)
    url = f"/t/{slug}/api/v1/interviews/{college['interview']}/scores"
    resp = college["candidate"].get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["score"]["overall"] == MENTOR_OVERALL and body["score"]["ai_overall"] == AI_OVERALL
    assert body["score"]["source"] == "mentor" and body["score"]["reviewed"] == 1
    (answer,) = body["answers"]
    assert answer["score"]["dimensions"] == {**AI, **MENTOR} and answer["score"]["ai_dimensions"] == AI
    assert college["mentor"].get(url).status_code == 200
    _other, other_email = new_user(world, slug, "other")
    assert sign_in(world, slug, other_email).get(url).get_json()["code"] == 404
    alpha_token = {"Authentication-Token": world.token("alpha", "admin")}
    assert world.client().get(url, headers=alpha_token).status_code == 401  # another college's token

"""Review queue filters through the real page: cohort, job role, interview type, submission
dates, AI score range and voice or text, kept in the URL (tabs and pages carry them); a
bad filter says what to give and the queue still shows; a mentor cannot filter on a cohort
that is not theirs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import sign_in, tag
from score_helpers import answer_report, new_cohort, new_user, scored_interview
from sqlalchemy import select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.recording_models import Recording


def answer_of(world, interview_id: int) -> int:
    with tenant_scope(world.tenants["alpha"]):
        return tenant_session.scalar(select(InterviewAnswer.id)
                                     .where(InterviewAnswer.interview_id == interview_id))


@pytest.fixture
def queue(world) -> dict:
    """A mentor's two cohorts with one candidate each, and four answers that differ in one
    way each from the first: role, type, date and score, plus one spoken answer."""
    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    one, _ = new_user(world, "alpha")
    two, _ = new_user(world, "alpha")
    first = new_cohort(world, "alpha", [one], [mentor_id], name=f"First {tag()}")
    second = new_cohort(world, "alpha", [two], [mentor_id], name=f"Second {tag()}")
    foreign = new_cohort(world, "alpha", [], name=f"Foreign {tag()}")
    now = utcnow()

    def one_answer(candidate: int, days_ago: int, content: float = 70, **kwargs) -> int:
        return scored_interview(world, "alpha", candidate, now - timedelta(days=days_ago),
                                [answer_report({"content": content})], **kwargs)

    made = {"base": one_answer(one, 2), "role": one_answer(one, 2, role="data-scientist"),
            "hr": one_answer(two, 2, type="hr"), "old": one_answer(two, 30), "low": one_answer(two, 2, 30)}
    answers = {name: answer_of(world, iv) for name, iv in made.items()}
    with tenant_scope(world.tenants["alpha"]):
        tenant_session.add(Recording(answer_id=answers["low"], candidate_id=two, status="transcribed"))
        tenant_session.commit()
    return {"mentor": sign_in(world, "alpha", mentor_email), "answers": answers, "first": first,
            "second": second, "foreign": foreign, "now": now}


def shown(html: str, answers: dict[str, int]) -> set[str]:
    return {name for name, answer_id in answers.items() if f"/review/answers/{answer_id}\"" in html}


def test_each_filter_narrows_the_queue(world, queue):
    mentor, answers = queue["mentor"], queue["answers"]
    base = "/t/alpha/review/?"
    assert shown(mentor.get(base).get_data(as_text=True), answers) == set(answers)
    week_ago = (queue["now"] - timedelta(days=7)).date().isoformat()
    cases = {
        f"cohort={queue['first']}": {"base", "role"},
        "role=data-scientist": {"role"},
        "type=hr": {"hr"},
        f"since={week_ago}": {"base", "role", "hr", "low"},
        f"until={week_ago}": {"old"},
        "ai_min=50&ai_max=100": {"base", "role", "hr", "old"},
        "ai_max=40": {"low"},
        "mode=voice": {"low"},
        "mode=text": {"base", "role", "hr", "old"},
        f"cohort={queue['second']}&type=technical&mode=text": {"old"},
    }
    for query, expected in cases.items():
        resp = mentor.get(base + query)
        assert resp.status_code == 200, query
        assert shown(resp.get_data(as_text=True), answers) == expected, query


def test_filters_stay_in_the_url_across_tabs(world, queue):
    html = queue["mentor"].get(f"/t/alpha/review/?type=hr&cohort={queue['second']}").get_data(as_text=True)
    tabs = re.search(r'<nav class="subnav".*?</nav>', html, re.S).group(0)
    assert f"tab=reviewed&amp;cohort={queue['second']}&amp;type=hr" in tabs
    assert "(2 filters on)" in html and '<option value="hr" selected>' in html


def test_bad_filters_say_what_to_give(world, queue):
    mentor = queue["mentor"]
    resp = mentor.get("/t/alpha/review/?ai_min=abc&since=yesterday&mode=video")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Give a whole number from 0 to 100." in html
    assert "Give a date as YYYY-MM-DD" in html and "Choose the answer kind from the list." in html
    assert shown(html, queue["answers"]) == set(queue["answers"])  # the bad filters are left out
    swapped = mentor.get("/t/alpha/review/?ai_min=80&ai_max=20")
    assert swapped.status_code == 422 and "swap them" in swapped.get_data(as_text=True)


def test_a_mentor_cannot_filter_on_another_cohort(world, queue):
    resp = queue["mentor"].get(f"/t/alpha/review/?cohort={queue['foreign']}")
    assert resp.status_code == 422 and "Choose one of the cohorts in the list." in resp.get_data(as_text=True)
    # Another college: the number is beta's own cohort or none; alpha's queue never shows there.
    beta = world.login("beta", "admin").get(f"/t/beta/review/?cohort={queue['first']}")
    assert beta.status_code in (200, 422) and "/t/alpha/" not in beta.get_data(as_text=True)

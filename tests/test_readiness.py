"""Readiness: the pure rules (figure, trend, what it is made of) and the pages that show
them: the candidate's dashboard, the staff history page and the cohort view where a
mentor sees who has not practised in N days, who is below a threshold and who is
improving. Mentors read only their cohorts; nothing crosses colleges."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from helpers import csrf_token, sign_in, tag
from score_helpers import answer_report, new_cohort, new_user, scored_interview
from sqlalchemy import select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.tenants import readiness
from aimi.tenants.interview_models import InterviewAnswer
from aimi.tenants.progress import Scored

NOW = datetime(2026, 12, 1, 12, 0)


def scored(days_ago: int, overall: float, role: str = "software-engineer", source: str = "ai",
           dimensions: dict[str, float] | None = None) -> Scored:
    return Scored(days_ago, NOW - timedelta(days=days_ago), role, "technical", overall,
                  dimensions or {"content": overall}, source, overall)


# --- the rules -------------------------------------------------------------------------

def test_figure_is_the_mean_of_the_latest_interviews_of_the_role():
    history = [scored(30, 40), scored(20, 50), scored(10, 60), scored(5, 70),
               scored(2, 80, source="mentor"), scored(1, 20, role="data-scientist")]
    found = readiness.for_role(history, "software-engineer")
    assert found.figure == 70.0  # 60, 70, 80
    assert found.trend == 25.0  # against 40, 50 before them
    assert [s.overall for s in found.made_of] == [80, 70, 60]  # newest first
    assert found.reviewed == 1 and found.interviews == 5 and found.improving
    assert found.band == "ready" and found.latest_at == NOW - timedelta(days=2)


def test_no_trend_until_there_are_earlier_interviews_and_bands():
    found = readiness.for_role([scored(3, 56), scored(2, 60), scored(1, 58)], "software-engineer")
    assert found.figure == 58.0 and found.trend is None and not found.improving
    assert found.band == "nearly" and found.band_label == "Nearly ready"
    low = readiness.for_role([scored(1, 30)], "software-engineer")
    assert low.band == "not_yet"
    assert readiness.for_role([scored(1, 30)], "product-manager") is None


def test_a_small_rise_is_not_improving_and_a_fall_is_a_negative_trend():
    rising = [scored(6, 60), scored(5, 60), scored(4, 60), scored(3, 64), scored(2, 64), scored(1, 64)]
    assert readiness.for_role(rising, "software-engineer").trend == 4.0
    assert not readiness.for_role(rising, "software-engineer").improving
    falling = [scored(4, 80), scored(3, 60), scored(2, 60), scored(1, 60)]
    assert readiness.for_role(falling, "software-engineer").trend == -20.0


def test_roles_are_ordered_by_latest_practice_and_dimensions_name_the_weakest():
    history = [scored(9, 50, dimensions={"content": 40, "structure": 60}),
               scored(5, 70, role="data-scientist"),
               scored(1, 60, dimensions={"content": 80, "structure": 40})]
    found = readiness.by_role(history)
    assert [r.role for r in found] == ["software-engineer", "data-scientist"]
    assert found[0].dimensions == {"content": 60.0, "structure": 50.0}
    assert found[0].weakest == ("structure", 50.0)
    assert readiness.target(history).role == "software-engineer"
    assert readiness.target([]) is None


def test_idle_days():
    assert readiness.idle_days(None, NOW) is None
    assert readiness.idle_days(NOW - timedelta(days=7, hours=3), NOW) == 7
    assert readiness.idle_days(NOW - timedelta(hours=20), NOW) == 0


# --- the pages -------------------------------------------------------------------------

def interviews(world, candidate_id: int, overalls: list[float], last_days_ago: int) -> list[int]:
    """Scored interviews one day apart, the last ``last_days_ago`` days ago."""
    start = utcnow() - timedelta(days=last_days_ago + len(overalls) - 1)
    return [scored_interview(world, "alpha", candidate_id, start + timedelta(days=i),
                             [answer_report({"content": o, "structure": o})]) for i, o in enumerate(overalls)]


@pytest.fixture
def cohort(world) -> dict:
    """A mentor's cohort: Idle (last practised 12 days ago, low), Riser (improving, recent),
    Steady (high, recent) and Never (no interview); a second cohort the mentor does not mentor."""
    t = tag()
    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    people = {name: new_user(world, "alpha", name=f"{name} {t}")
              for name in ("Idle", "Riser", "Steady", "Never")}
    ids = {name: pid for name, (pid, _email) in people.items()}
    interviews(world, ids["Idle"], [45, 50, 40], 12)
    riser = interviews(world, ids["Riser"], [40, 45, 50, 70, 75, 80], 1)
    interviews(world, ids["Steady"], [85, 80, 90], 2)
    cohort_id = new_cohort(world, "alpha", list(ids.values()), [mentor_id], name=f"Ready {t}")
    other = new_cohort(world, "alpha", [ids["Steady"]], name=f"Not theirs {t}")
    return {"mentor": sign_in(world, "alpha", mentor_email), "ids": ids, "id": cohort_id, "other": other,
            "tag": t, "emails": {n: e for n, (_i, e) in people.items()}, "riser": riser}


def section(html: str, anchor: str) -> str:
    match = re.search(rf'<section[^>]*id="{anchor}".*?</section>', html, re.S)
    assert match, f"no section {anchor}"
    return match.group(0)


def listed(html: str, anchor: str, ids: dict[str, int]) -> set[str]:
    part = section(html, anchor)
    return {name for name, pid in ids.items() if f'data-candidate="{pid}"' in part}


def test_cohort_view_lists_idle_low_and_improving(world, cohort):
    url = f"/t/alpha/readiness/?cohort={cohort['id']}"
    html = cohort["mentor"].get(url).get_data(as_text=True)
    ids = cohort["ids"]
    assert listed(html, "inactive", ids) == {"Idle", "Never"}
    assert "Not practised in 7 days" in html
    assert listed(html, "below-threshold", ids) == {"Idle"}  # 45 < 60; Never has no figure
    assert listed(html, "improving", ids) == {"Riser"}  # 75 against 45: +30
    assert listed(html, "everyone", ids) == set(ids)
    row = re.search(rf'<tr data-candidate="{ids["Riser"]}">(.*?)</tr>', section(html, "improving"),
                    re.S).group(1)
    assert f'/t/alpha/candidates/{ids["Riser"]}"' in row and ">75<" in row and ">+30<" in row
    # N and the threshold are chosen on the page.
    html = cohort["mentor"].get(f"{url}&days=20&below=80").get_data(as_text=True)
    assert listed(html, "inactive", ids) == {"Never"} and "Not practised in 20 days" in html
    assert listed(html, "below-threshold", ids) == {"Idle", "Riser"}


def test_bad_limits_say_what_to_give(world, cohort):
    resp = cohort["mentor"].get(f"/t/alpha/readiness/?cohort={cohort['id']}&days=0")
    assert resp.status_code == 422
    assert "Give a number of days from 1 to 365" in resp.get_data(as_text=True)
    resp = cohort["mentor"].get(f"/t/alpha/readiness/?cohort={cohort['id']}&below=abc")
    assert resp.status_code == 422 and "Give a score from 0 to 100" in resp.get_data(as_text=True)


def test_mentors_read_their_cohorts_only(world, cohort):
    mentor = cohort["mentor"]
    assert mentor.get(f"/t/alpha/readiness/?cohort={cohort['other']}").status_code == 404
    assert mentor.get("/t/alpha/readiness/?cohort=x").status_code == 404
    page = mentor.get("/t/alpha/readiness/").get_data(as_text=True)
    assert f"Not theirs {cohort['tag']}" not in page  # not offered in the cohort list either
    admin = world.login("alpha", "admin")
    assert admin.get(f"/t/alpha/readiness/?cohort={cohort['other']}").status_code == 200
    assert world.login("alpha", "candidate").get("/t/alpha/readiness/").status_code == 403
    anonymous = world.client().get("/t/alpha/readiness/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_another_colleges_cohort_is_out_of_reach(world, cohort):
    beta_admin = world.login("beta", "admin")
    resp = beta_admin.get(f"/t/beta/readiness/?cohort={cohort['id']}")
    assert resp.status_code in (200, 404)  # beta's own cohort with that number, or none
    assert cohort["tag"] not in resp.get_data(as_text=True)


def test_candidate_dashboard_and_staff_history_show_the_figure(world, cohort):
    ids, emails = cohort["ids"], cohort["emails"]
    candidate = sign_in(world, "alpha", emails["Riser"])
    html = candidate.get("/t/alpha/dashboard").get_data(as_text=True)
    card = section(html, "readiness")
    assert 'data-role="software-engineer"' in card and "data-figure>75<" in card
    assert "Up 30 points on the 3 interviews before" in card and "Ready" in card
    for interview_id in cohort["riser"][-3:]:
        assert f'data-interview="{interview_id}"' in card
    assert f'data-interview="{cohort["riser"][0]}"' not in card
    staff = cohort["mentor"].get(f"/t/alpha/candidates/{ids['Riser']}").get_data(as_text=True)
    assert "data-figure>75<" in section(staff, "readiness")
    never = cohort["mentor"].get(f"/t/alpha/candidates/{ids['Never']}").get_data(as_text=True)
    assert "No scored interview yet" in section(never, "readiness")


def test_a_mentor_review_moves_the_figure(world, cohort):
    """The figure reads official scores: a review of the newest interview changes it."""
    newest = cohort["riser"][-1]
    with tenant_scope(world.tenants["alpha"]):
        answer_id = tenant_session.scalar(select(InterviewAnswer.id)
                                          .where(InterviewAnswer.interview_id == newest))
    mentor, url = cohort["mentor"], f"/t/alpha/review/answers/{answer_id}"
    token = csrf_token(mentor.get(url).get_data(as_text=True))
    resp = mentor.post(url, data={"csrf_token": token, "action": "reviewed", "overall": "50",
                                  "comment": "The example is not yours."})
    assert resp.status_code == 302
    staff = mentor.get(f"/t/alpha/candidates/{cohort['ids']['Riser']}").get_data(as_text=True)
    card = section(staff, "readiness")
    assert "data-figure>65<" in card  # (70 + 75 + 50) / 3
    assert "1 of 3 reviewed by a mentor" in card and "(mentor; AI 80)" in card

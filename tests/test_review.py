"""The mentor review queue through HTTP: tabs, rubric checklist, overrides stored beside the
AI's report (never instead of it), the comment a big override needs, the audit trail, the
agreement figure, and who may see which answers (own cohorts, own tenant, no candidates).

Interviews are written straight into the tenant's tables here: the review queue reads
answers and reports, whoever produced them."""

from __future__ import annotations

import re

import pytest
from helpers import csrf_token, make_cohort, sign_in, tag
from markupsafe import escape
from score_helpers import new_user
from sqlalchemy import func, select

from aimi.evaluators.criteria import criterion_id
from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.plugins.manager import get_manager
from aimi.plugins.scoring import score
from aimi.plugins.types import AnswerInput
from aimi.tenants import interviews, reviews
from aimi.tenants.interview_models import (
    Interview,
    InterviewAnswer,
    MentorReview,
    Question,
    QuestionBank,
    QuestionVersion,
)
from aimi.tenants.models import AuditLog, User

RUBRIC = ["names the trade-off", "gives an example", "states the outcome"]



def report(overall: float, content: float = 60.0, structure: float = 50.0) -> dict:
    """A report shaped like ``aimi.evaluators.report.Report.as_dict()``."""
    return {
        "overall": overall,
        "dimensions": {
            "content": {"score": content, "suggestions": ["Say what the outcome was."],
                        "evidence": {"points_covered": [{"point": RUBRIC[0], "covered": True,
                                                         "span": [0, 9]}],
                                     "points_missed": [{"point": RUBRIC[2], "covered": False}],
                                     "keywords_missing": ["latency"]}},
            "structure": {"score": structure, "suggestions": [], "evidence": {"parts": {}}},
        },
        "summary": "A fair answer.", "strengths": [], "areas_to_improve": ["content"],
    }


def make_answer(world, slug: str, candidate_id: int, *, overall: float | None = 60.0,
                status: str = "scored", text: str | None = None) -> int:
    """One interview of one answered question, with the AI's report when ``overall`` is set."""
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        bank = QuestionBank(name=f"Bank {tag()}")
        version = QuestionVersion(version=1, text=f"Describe a trade-off you made ({tag()}).",
                                  role="software-engineer", type="technical", difficulty="medium",
                                  rubric=RUBRIC)
        # Retired: it stands for a past interview's question and is never drawn into a new
        # interview of another test (the tenant is shared).
        session.add(Question(bank=bank, versions=[version], retired_at=utcnow()))
        interview = Interview(candidate_id=candidate_id, role="software-engineer", type="technical",
                              difficulty_mode="medium", num_questions=1, status=status,
                              submitted_at=utcnow() if status != "in_progress" else None)
        session.add(interview)
        session.flush()
        answer = InterviewAnswer(interview=interview, position=0, question_version_id=version.id,
                                 difficulty="medium",
                                 text=text or f"Trade-off: cache or consistency {tag()}.",
                                 submitted_at=interview.submitted_at,
                                 report=report(overall) if overall is not None else None, overall=overall)
        session.add(answer)
        session.commit()
        return answer.id


def send_review(client, slug: str, answer_id: int, action: str = "draft", rubric=(), **fields):
    url = f"/t/{slug}/review/answers/{answer_id}"
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "action": action,
            "score_content": "", "score_structure": "", "overall": "", "comment": "", **fields}
    return client.post(url, data={**data, "rubric": [str(i) for i in rubric]})


def stored_review(world, slug: str, answer_id: int, by: str | None = None) -> MentorReview | None:
    """The review of an answer (by the user with e-mail ``by``, when given)."""
    with tenant_scope(world.tenants[slug]):
        stmt = select(MentorReview).where(MentorReview.answer_id == answer_id)
        if by:
            stmt = stmt.join(User, User.id == MentorReview.mentor_id).where(User.email == by)
        found = tenant_session.scalar(stmt)
        tenant_session.expunge_all()
        return found


def queue_tab(client, slug: str, tab: str) -> str:
    resp = client.get(f"/t/{slug}/review/?tab={tab}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def answer_link(answer_id: int) -> str:
    return f"/review/answers/{answer_id}\""


@pytest.fixture
def mentored(world) -> dict:
    """A fresh mentor with one cohort of one candidate (alpha)."""
    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    candidate_id, candidate_email = new_user(world, "alpha")
    make_cohort(world, "alpha", mentors=[mentor_email], candidates=[candidate_email])
    return {"mentor_id": mentor_id, "mentor": sign_in(world, "alpha", mentor_email),
            "candidate_id": candidate_id}


def test_queue_tabs_follow_the_mentors_reviews(world, mentored):
    mentor, candidate_id = mentored["mentor"], mentored["candidate_id"]
    scored = make_answer(world, "alpha", candidate_id, overall=70.0)
    submitted = make_answer(world, "alpha", candidate_id, overall=None, status="submitted")
    unfinished = make_answer(world, "alpha", candidate_id, status="in_progress")

    to_review = queue_tab(mentor, "alpha", "to_review")
    assert answer_link(scored) in to_review and answer_link(submitted) in to_review
    assert answer_link(unfinished) not in to_review and "Scoring" in to_review
    assert mentor.get(f"/t/alpha/review/answers/{unfinished}").status_code == 404

    assert send_review(mentor, "alpha", scored, "draft", rubric=[0, 2], score_content="65").status_code == 302
    assert send_review(mentor, "alpha", submitted, "reviewed").status_code == 302
    tabs = {tab: queue_tab(mentor, "alpha", tab) for tab in reviews.TABS}
    assert answer_link(scored) not in tabs["to_review"] and answer_link(submitted) not in tabs["to_review"]
    assert answer_link(scored) in tabs["in_progress"] and answer_link(submitted) not in tabs["in_progress"]
    assert answer_link(submitted) in tabs["reviewed"] and answer_link(scored) not in tabs["reviewed"]

    page = mentor.get(f"/t/alpha/review/answers/{scored}").get_data(as_text=True)
    assert 'value="0" checked' in page and 'value="1">' in page and 'value="2" checked' in page
    assert 'name="score_content"' in page and 'value="65"' in page
    assert "Draft saved" in page and RUBRIC[2] in page and "latency" in page

    # Another staff member's draft leaves the answer in this mentor's "to review", marked as
    # being reviewed; once finished it counts as done (test_a_review_counts_as_done_...).
    admin = world.login("alpha", "admin")
    other = make_answer(world, "alpha", candidate_id, overall=55.0)
    assert send_review(admin, "alpha", other, "draft").status_code == 302
    page = queue_tab(mentor, "alpha", "to_review")
    assert answer_link(other) in page and "Being reviewed by" in page
    assert send_review(admin, "alpha", other, "reviewed").status_code == 302
    assert answer_link(other) not in queue_tab(mentor, "alpha", "to_review")


def test_override_is_stored_beside_the_ai_report_and_audited(world, mentored):
    mentor = mentored["mentor"]
    answer_id = make_answer(world, "alpha", mentored["candidate_id"], overall=60.0)
    with tenant_scope(world.tenants["alpha"]):
        ai_report = tenant_session.get(InterviewAnswer, answer_id).report

    resp = send_review(mentor, "alpha", answer_id, "reviewed", score_content="90")
    assert resp.status_code == 422
    assert "Explain your score in a comment" in resp.get_data(as_text=True)
    assert "(content)" in resp.get_data(as_text=True) and 'value="90"' in resp.get_data(as_text=True)
    assert stored_review(world, "alpha", answer_id) is None

    resp = send_review(mentor, "alpha", answer_id, "draft", rubric=[1], score_content="75", overall="62")
    assert resp.status_code == 302  # within 15 points: no comment needed
    resp = send_review(mentor, "alpha", answer_id, "reviewed", rubric=[0, 1], score_content="90",
                       score_structure="50", overall="80", comment="  Covered every rubric point clearly.  ")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/review/")
    review = stored_review(world, "alpha", answer_id)
    assert review.status == "reviewed" and review.mentor_id == mentored["mentor_id"]
    assert review.scores == {"content": 90.0, "structure": 50.0} and review.rubric_checked == [0, 1]
    assert (review.overall, review.comment) == (80.0, "Covered every rubric point clearly.")
    with tenant_scope(world.tenants["alpha"]):
        answer = tenant_session.get(InterviewAnswer, answer_id)
        assert answer.report == ai_report and answer.overall == 60.0  # the AI's report is untouched
        entries = list(tenant_session.scalars(select(AuditLog).where(
            AuditLog.target_type == "mentor_review", AuditLog.target_id == str(review.id))
            .order_by(AuditLog.id)))
        assert [e.action for e in entries] == ["review.saved", "review.completed"]
        assert entries[0].details["before"] is None and entries[0].details["answer_id"] == answer_id
        assert entries[1].details["before"]["scores"] == {"content": 75.0}
        assert entries[1].details["before"]["overall"] == 62.0
        after = entries[1].details["after"]
        assert (after["overall"], after["rubric"], after["status"]) == (80.0, [0, 1], "reviewed")
        assert entries[1].actor_email.startswith("mentor-")

    (finished,) = _reviews_for(world, answer_id)
    assert (finished.overall, finished.verdict.adjusted, finished.rubric_ticked) == \
        (80.0, {"content": 90.0, "structure": 50.0}, [0, 1])
    assert finished.verdict.score.overall == 80.0 and finished.verdict.score.ai_overall == 60.0
    with tenant_scope(world.tenants["alpha"]):
        interview = tenant_session.get(InterviewAnswer, answer_id).interview
        interview.report = interviews.aggregate(interview.answers)  # as the scoring job leaves it
        interview_id = interview.id
        tenant_session.commit()
    report = world.login("alpha", "admin").get(f"/t/alpha/interviews/{interview_id}/report")
    page = report.get_data(as_text=True)
    assert report.status_code == 200, page
    assert "Mentor review by" in page and "Covered every rubric point clearly." in page


def _reviews_for(world, answer_id: int) -> list[reviews.ReviewView]:
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        return reviews.reviews_for_answer(session, session.get(InterviewAnswer, answer_id))


@pytest.mark.parametrize("fields, message", [
    ({"score_content": "abc"}, "Content: enter a number from 0 to 100"),
    ({"score_structure": "101"}, "Structure: enter a number from 0 to 100"),
    ({"overall": "-1"}, "Overall: enter a number from 0 to 100"),
    ({"comment": "x" * 2001}, "Keep the comment to 2000 characters or fewer."),
    ({"overall": "20"}, "differs from the AI&#39;s by more than 15 points (overall)"),
])
def test_bad_review_input_is_refused_and_nothing_is_written(world, mentored, fields, message):
    answer_id = make_answer(world, "alpha", mentored["candidate_id"], overall=60.0)
    resp = send_review(mentored["mentor"], "alpha", answer_id, "reviewed", **fields)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert stored_review(world, "alpha", answer_id) is None
    assert _reviews_for(world, answer_id) == []


def test_mentor_sees_only_own_cohorts_answers(world, mentored):
    outsider_id, _ = new_user(world, "alpha")
    outside = make_answer(world, "alpha", outsider_id, text="Outsider's private answer")
    mentor = mentored["mentor"]
    assert answer_link(outside) not in queue_tab(mentor, "alpha", "to_review")
    assert mentor.get(f"/t/alpha/review/answers/{outside}").status_code == 404
    token = csrf_token(mentor.get("/t/alpha/review/").get_data(as_text=True))
    resp = mentor.post(f"/t/alpha/review/answers/{outside}", data={"csrf_token": token, "action": "reviewed"})
    assert resp.status_code == 404 and stored_review(world, "alpha", outside) is None

    admin = world.login("alpha", "admin")  # admins review every answer of the college
    assert "s private answer" in admin.get(f"/t/alpha/review/answers/{outside}").get_data(as_text=True)


def whole_tab(client, slug: str, tab: str) -> str:
    """Every page of a queue tab (the shared tenant holds other tests' answers too)."""
    pages, number = [], 1
    while True:
        resp = client.get(f"/t/{slug}/review/?tab={tab}&page={number}")
        assert resp.status_code == 200
        pages.append(resp.get_data(as_text=True))
        if f"page={number + 1}" not in pages[-1] or number > 100:
            return "".join(pages)
        number += 1


def test_a_review_counts_as_done_whoever_finished_it(world, mentored):
    mentor, candidate_id = mentored["mentor"], mentored["candidate_id"]
    admin_id, admin_email = new_user(world, "alpha", "admin", name=f"Admin {tag()}")
    admin = sign_in(world, "alpha", admin_email)
    with tenant_scope(world.tenants["alpha"]):
        mentor_name = tenant_session.get(User, mentored["mentor_id"]).display_name
        admin_name = tenant_session.get(User, admin_id).display_name
    finished = make_answer(world, "alpha", candidate_id, overall=70.0)
    drafted = make_answer(world, "alpha", candidate_id, overall=50.0)
    open_one = make_answer(world, "alpha", candidate_id, overall=40.0)
    assert send_review(mentor, "alpha", finished, "reviewed", score_content="72").status_code == 302
    assert send_review(mentor, "alpha", drafted, "draft").status_code == 302

    to_review = whole_tab(admin, "alpha", "to_review")
    assert answer_link(finished) not in to_review  # the mentor finished it
    assert answer_link(open_one) in to_review and answer_link(drafted) in to_review
    row = to_review[to_review.index(answer_link(drafted)) - 1500:to_review.index(answer_link(drafted))]
    assert f"Being reviewed by {escape(mentor_name)}" in row
    reviewed = whole_tab(admin, "alpha", "reviewed")
    assert answer_link(finished) in reviewed and answer_link(drafted) not in reviewed
    row = reviewed[reviewed.index(answer_link(finished)) - 1500:reviewed.index(answer_link(finished))]
    assert str(escape(mentor_name)) in row
    assert "No reviews finished yet" not in reviewed

    # The admin finishes the open answer: the mentor's queue counts it done too.
    assert send_review(admin, "alpha", open_one, "reviewed").status_code == 302
    mine = whole_tab(mentor, "alpha", "to_review")
    assert answer_link(open_one) not in mine and answer_link(finished) not in mine
    theirs = whole_tab(mentor, "alpha", "reviewed")
    assert answer_link(open_one) in theirs and str(escape(admin_name)) in theirs
    assert answer_link(drafted) in whole_tab(mentor, "alpha", "in_progress")
    # The mentor's own draft is no one else's: their own queue does not warn about it.
    assert "Being reviewed by" not in queue_tab(mentor, "alpha", "in_progress")
    # Opening an answer another staff member drafted or finished says so before reviewing it.
    page = admin.get(f"/t/alpha/review/answers/{drafted}").get_data(as_text=True)
    assert f"Being reviewed by {escape(mentor_name)}" in page
    page = mentor.get(f"/t/alpha/review/answers/{open_one}").get_data(as_text=True)
    assert f"Reviewed by {escape(admin_name)}" in page


def test_reviewed_tab_of_a_mentor_stays_within_their_cohorts(world, mentored):
    outsider_id, _ = new_user(world, "alpha")
    outside = make_answer(world, "alpha", outsider_id)
    admin = world.login("alpha", "admin")
    assert send_review(admin, "alpha", outside, "reviewed").status_code == 302
    assert answer_link(outside) in whole_tab(admin, "alpha", "reviewed")
    assert answer_link(outside) not in whole_tab(mentored["mentor"], "alpha", "reviewed")


def test_candidates_are_refused_and_anonymous_sent_to_login(world, mentored):
    answer_id = make_answer(world, "alpha", mentored["candidate_id"])
    candidate = world.login("alpha", "candidate")
    token = csrf_token(candidate.get("/t/alpha/change").get_data(as_text=True))
    anonymous = world.client()
    for url in ("/t/alpha/review/", f"/t/alpha/review/answers/{answer_id}"):
        assert candidate.get(url).status_code == 403, url
        resp = anonymous.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    resp = candidate.post(f"/t/alpha/review/answers/{answer_id}",
                          data={"csrf_token": token, "action": "reviewed", "overall": "1", "comment": "x"})
    assert resp.status_code == 403 and stored_review(world, "alpha", answer_id) is None


def test_other_tenants_answers_are_out_of_reach(world):
    beta_candidate, _ = new_user(world, "beta")
    beta_answer = make_answer(world, "beta", beta_candidate, text="Beta's confidential answer")
    alpha_candidate, _ = new_user(world, "alpha")
    alpha_answer = make_answer(world, "alpha", alpha_candidate, text="Alpha's own answer")
    while alpha_answer < beta_answer:  # make the ids overlap
        alpha_answer = make_answer(world, "alpha", alpha_candidate, text="Alpha's own answer")
    with tenant_scope(world.tenants["alpha"]):
        same_number = tenant_session.get(InterviewAnswer, beta_answer)
        alpha_text, ai_overall = same_number.text, same_number.overall
    # agree with whatever alpha's AI gave that answer (earlier tests may have made it)
    mentor_overall = round(ai_overall if ai_overall is not None else 61.0)
    admin = world.login("alpha", "admin")
    page = admin.get(f"/t/alpha/review/answers/{beta_answer}").get_data(as_text=True)
    assert "confidential answer" not in page
    # alpha's own answer with that number is shown (its last word: evidence marks may split the rest)
    assert str(escape(alpha_text.rsplit(" ", 1)[-1])) in page
    assert "confidential answer" not in queue_tab(admin, "alpha", "to_review")
    sent = send_review(admin, "alpha", beta_answer, "reviewed", overall=str(mentor_overall))
    assert sent.status_code == 302
    assert stored_review(world, "beta", beta_answer) is None
    stored = stored_review(world, "alpha", beta_answer, by=world.email("alpha", "admin"))
    assert stored.overall == mentor_overall


@pytest.fixture(scope="module")
def fresh(world) -> str:
    """A tenant of its own, so the agreement figure counts only this module's reviews."""
    slug = f"agr{tag()}"
    world.tenants[slug] = world.new_tenant(slug)
    return slug


def test_agreement_figure(world, fresh):
    admin = world.login(fresh, "admin")
    assert "No reviewed answers yet" in queue_tab(admin, fresh, "to_review")
    candidate_id, _ = new_user(world, fresh)
    cases = [(60.0, {"overall": "70"}), (80.0, {}), (50.0, {"overall": "80", "comment": "Much better."}),
             (40.0, {"overall": "49.5"})]
    for ai, fields in cases:  # differences 10, 0 (blank agrees), 30, 9.5
        answer_id = make_answer(world, fresh, candidate_id, overall=ai)
        assert send_review(admin, fresh, answer_id, "reviewed", **fields).status_code == 302
    draft = make_answer(world, fresh, candidate_id, overall=10.0)  # drafts do not count
    assert send_review(admin, fresh, draft, "draft", overall="100", comment="Not finished").status_code == 302
    unscored = make_answer(world, fresh, candidate_id, overall=None, status="submitted")  # nothing to compare
    assert send_review(admin, fresh, unscored, "reviewed", overall="90").status_code == 302

    with tenant_scope(world.tenants[fresh]):
        stats = reviews.agreement_stats(tenant_session())
        assert tenant_session.scalar(select(func.count()).select_from(MentorReview)) == 6
    assert (stats.count, stats.agreeing) == (4, 3)
    assert (stats.overall.n, stats.overall.mean_abs_diff, stats.overall.within_share) == (4, 12.4, 0.75)
    # AI 60 80 50 40 against the mentors' 70 80 80 49.5
    assert stats.overall.correlation == pytest.approx(0.691, abs=0.001)
    assert "content" not in stats.dimensions  # left blank on every review: nothing measured
    page = queue_tab(admin, fresh, "reviewed")
    assert "the AI was within 10 points of the mentor on 75% of 4 reviewed answers" in page
    assert "within 10 points of the AI's on 3 of 4 reviewed answers (75%)" in page
    assert re.search(r'data-dimension="overall"><th scope="row">Overall</th><td class="num">4</td>\s*'
                     r'<td class="num">12.4</td>\s*<td class="num">75%</td>\s*<td class="num">0.69</td>',
                     page)


def _checked(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="rubric" value="(\d+)" checked', page)]


def test_the_rubric_checklist_starts_from_the_ais_judgement(world, mentored):
    """The walk-through: every rubric checkbox started unchecked, whatever the AI had found.
    It starts from the points (technical) and criteria (HR, behavioural) the AI found met;
    the mentor's own ticks replace them once saved, even all unticked."""
    mentor, candidate_id = mentored["mentor"], mentored["candidate_id"]
    technical = make_answer(world, "alpha", candidate_id)  # the AI covered RUBRIC[0] only
    page = mentor.get(f"/t/alpha/review/answers/{technical}").get_data(as_text=True)
    assert _checked(page) == [0] and "Ticked where the AI found the point met" in page

    criteria = ["Situation and stakes stated", "Your own actions, in the first person",
                "A concrete result, ideally measured", "What you learnt"]
    question = "Tell me about a time you fixed a problem under a deadline."
    text = ("Two days before our final-year demo the database server crashed and we risked failing the "
            "module. I rebuilt the server from the backups and I wrote a script that restores it in ten "
            "minutes.")
    found = score(AnswerInput("hr", question, text, rubric=tuple(criteria), type="behavioural"),
                  manager=get_manager())
    met = {p["criterion"] for p in found.dimensions["content"].evidence["points_covered"]}
    assert met and len(met) < len(criteria), met  # some met, some not: the test can tell
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        version = QuestionVersion(version=1, text=question, role="general", type="behavioural",
                                  difficulty="medium", rubric=criteria)
        session.add(Question(bank=QuestionBank(name=f"Bank {tag()}"), versions=[version],
                             retired_at=utcnow()))
        interview = Interview(candidate_id=candidate_id, role="software-engineer", type="hr",
                              difficulty_mode="medium", num_questions=1, status="scored",
                              submitted_at=utcnow())
        session.add(interview)
        session.flush()
        answer = InterviewAnswer(interview=interview, position=0, question_version_id=version.id,
                                 difficulty="medium", text=text, submitted_at=utcnow(),
                                 report=found.as_dict(), overall=found.overall)
        session.add(answer)
        session.commit()
        behavioural = answer.id
    page = mentor.get(f"/t/alpha/review/answers/{behavioural}").get_data(as_text=True)
    expected = [i for i, line in enumerate(criteria) if criterion_id(line) in met]
    assert _checked(page) == expected and expected

    assert send_review(mentor, "alpha", technical, "draft", rubric=[]).status_code == 302
    page = mentor.get(f"/t/alpha/review/answers/{technical}").get_data(as_text=True)
    assert _checked(page) == []  # the mentor's own (empty) checklist stands

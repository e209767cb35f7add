"""Mentors grow a question's references from the review page: promote the candidate's answer
or write one. Each is a new version of the question (past interviews keep theirs), audited,
refused clearly when empty or already there, and the scorer then compares answers with
every reference, through the same scoring path interviews use."""

from __future__ import annotations

from helpers import csrf_token, make_cohort, sign_in
from score_helpers import new_user
from sqlalchemy import select
from test_review import make_answer

from aimi.platform.db import tenant_scope, tenant_session
from aimi.plugins.answer_scoring import answer_input
from aimi.plugins.scoring import score_for_tenant
from aimi.tenants.interview_models import Interview, InterviewAnswer, Question, QuestionVersion
from aimi.tenants.models import AuditLog

PROMOTED = ("A hash map stores key and value pairs in buckets picked by hashing the key, so a lookup "
            "takes constant time on average; collisions share a bucket and make it slower.")
WRITTEN = "A binary search tree keeps its keys in order, so a search takes logarithmic time."


def post_reference(client, slug: str, answer_id: int, **fields):
    url = f"/t/{slug}/review/answers/{answer_id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(f"{url}/reference", data={"csrf_token": token, **fields})


def question_of(world, slug: str, answer_id: int) -> tuple[int, int, list[QuestionVersion]]:
    """The answer's question id, the version the answer was asked, and every version."""
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        answer = session.get(InterviewAnswer, answer_id)
        question = session.get(Question, answer.question.question_id)
        versions = list(question.versions)
        session.expunge_all()
        return question.id, answer.question.version, versions


def content_score(world, slug: str, text: str, version_id: int) -> float:
    """The content score the interview scoring path gives ``text`` against one version."""
    with world.app.app_context(), tenant_scope(world.tenants[slug]):
        session = tenant_session()
        answer = InterviewAnswer(text=text, question=session.get(QuestionVersion, version_id),
                                 interview=Interview(target_company=None))
        report = score_for_tenant(session, answer_input(answer))
        session.rollback()
        return next(d.score for n, d in report.dimensions.items() if n == "content")


def test_mentor_grows_references_and_scoring_uses_every_one(world):
    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    candidate_id, candidate_email = new_user(world, "alpha")
    make_cohort(world, "alpha", mentors=[mentor_email], candidates=[candidate_email])
    answer_id = make_answer(world, "alpha", candidate_id, text=PROMOTED)
    mentor = sign_in(world, "alpha", mentor_email)

    page = mentor.get(f"/t/alpha/review/answers/{answer_id}").get_data(as_text=True)
    assert "Add the candidate's answer as a reference answer" in page

    resp = post_reference(mentor, "alpha", answer_id, source="written", reference="   ")
    assert resp.status_code == 422 and "Write the reference answer." in resp.get_data(as_text=True)
    resp = post_reference(mentor, "alpha", answer_id, source="written", reference=WRITTEN)
    assert resp.status_code == 302
    resp = post_reference(mentor, "alpha", answer_id, source="answer")
    assert resp.status_code == 302
    page = mentor.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Added as reference answer 2 of the question (version 3)" in page
    assert "2 reference answers now" in page and "as a reference answer</button>" not in page
    resp = post_reference(mentor, "alpha", answer_id, source="answer")
    assert resp.status_code == 422
    assert "already a reference answer of the question" in resp.get_data(as_text=True)

    question_id, asked, versions = question_of(world, "alpha", answer_id)
    assert asked == 1 and [v.version for v in versions] == [1, 2, 3]
    assert [v.reference_answers for v in versions] == [[], [WRITTEN], [WRITTEN, PROMOTED]]
    assert versions[2].rubric == versions[0].rubric and versions[2].text == versions[0].text
    with tenant_scope(world.tenants["alpha"]):
        entries = list(tenant_session.scalars(select(AuditLog).where(
            AuditLog.action == "question.reference_added", AuditLog.target_id == str(question_id))
            .order_by(AuditLog.id)))
        assert [(e.details["version"], e.details["answer_id"], e.actor_id) for e in entries] == \
            [(2, None, mentor_id), (3, answer_id, mentor_id)]

    # The second reference counts: the promoted answer scores higher against version 3 than
    # against version 2, whose only reference says something else.
    only_written, both = versions[1].id, versions[2].id
    assert content_score(world, "alpha", PROMOTED, both) > \
        content_score(world, "alpha", PROMOTED, only_written)


def test_only_staff_of_the_answers_cohort_add_references(world):
    candidate_id, candidate_email = new_user(world, "alpha")
    answer_id = make_answer(world, "alpha", candidate_id, text=PROMOTED)
    outsider = sign_in(world, "alpha", new_user(world, "alpha", "mentor")[1])  # mentors no cohort of it
    token = csrf_token(outsider.get("/t/alpha/review/").get_data(as_text=True))
    assert outsider.post(f"/t/alpha/review/answers/{answer_id}/reference",
                         data={"csrf_token": token, "source": "answer"}).status_code == 404
    candidate = sign_in(world, "alpha", candidate_email)
    token = csrf_token(candidate.get("/t/alpha/change").get_data(as_text=True))
    assert candidate.post(f"/t/alpha/review/answers/{answer_id}/reference",
                          data={"csrf_token": token, "source": "answer"}).status_code == 403
    _question_id, _asked, versions = question_of(world, "alpha", answer_id)
    assert [v.version for v in versions] == [1] and versions[0].reference_answers == []


def test_a_criteria_question_says_its_references_are_examples_not_matched(world):
    """An HR or behavioural question is judged on criteria: the review page must not tell the
    mentor that its references are matched (they are examples shown to the candidate)."""
    mentor_id, mentor_email = new_user(world, "alpha", "mentor")
    candidate_id, candidate_email = new_user(world, "alpha")
    make_cohort(world, "alpha", mentors=[mentor_email], candidates=[candidate_email])
    technical = make_answer(world, "alpha", candidate_id, text=PROMOTED)
    behavioural = make_answer(world, "alpha", candidate_id, text=PROMOTED)
    with tenant_scope(world.tenants["alpha"]):
        tenant_session.get(InterviewAnswer, behavioural).question.type = "behavioural"
        tenant_session.commit()
    mentor = sign_in(world, "alpha", mentor_email)
    page = mentor.get(f"/t/alpha/review/answers/{technical}").get_data(as_text=True)
    assert "credits the closest" in page and "judged on criteria" not in page
    page = mentor.get(f"/t/alpha/review/answers/{behavioural}").get_data(as_text=True)
    assert "judged on criteria, not on its references" in page and "credits the closest" not in page

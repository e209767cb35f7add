"""The last two answers of an interview scored at the same moment, by two real threads
against MariaDB: the job that commits second must see the other's report and close the
interview by itself (no page view settles it any more, issue 12).

Each thread opens its transaction before the other commits, as two workers picking up
their jobs at once do; without the interview's row lock each would check the answers in
its own older snapshot, miss the other's report, and the interview would stay submitted.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from score_helpers import new_user
from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.platform.timeutil import utcnow
from aimi.plugins import answer_scoring
from aimi.tenants.interview_models import Interview, InterviewAnswer, QuestionVersion
from aimi.tenants.interviews import SCORE_KIND
from aimi.tenants.models import Job
from aimi.tenants.notification_models import Notification

ANSWER = ("A hash table maps each key through a hash function to a bucket, so a lookup goes straight "
          "to it in constant time on average; collisions are chained. For example a dict of users.")


def _submitted_interview(world, slug: str) -> tuple[int, list[str]]:
    """A submitted two-question interview whose answers await their scoring jobs (rows
    written as the runner's claim leaves them, so nothing runs them but this test)."""
    candidate_id, _email = new_user(world, slug, "racer")
    now = utcnow()
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        version = session.scalars(select(QuestionVersion).where(QuestionVersion.type == "technical")).first()
        interview = Interview(candidate_id=candidate_id, role="software-engineer", type="technical",
                              difficulty_mode="easy", num_questions=2, status="submitted",
                              current_position=2, started_at=now, submitted_at=now)
        interview.answers = [InterviewAnswer(position=i, question_version_id=version.id, difficulty="easy",
                                             text=ANSWER, presented_at=now, submitted_at=now)
                             for i in range(2)]
        session.add(interview)
        session.flush()
        job_ids = []
        for answer in interview.answers:
            job = Job(id=uuid.uuid4().hex, kind=SCORE_KIND, queue="scoring", status="running", attempts=1,
                      idempotency_key=f"{SCORE_KIND}:answer{answer.id}", payload={"answer_id": answer.id})
            session.add(job)
            answer.job_id = job.id
            job_ids.append(job.id)
        session.commit()
        return interview.id, job_ids


# InnoDB's snapshots and row locks are the point: MariaDB only.
@pytest.mark.parametrize("backend", ["mysql"], indirect=True, scope="session")
def test_two_scoring_jobs_finishing_together_close_the_interview(world):
    slug = "alpha"
    interview_id, job_ids = _submitted_interview(world, slug)
    tenant = world.tenants[slug]
    both_in_transaction = threading.Barrier(2, timeout=60)
    errors: list[BaseException] = []

    def run(job_id: str) -> None:
        try:
            with world.app.app_context(), tenant_scope(tenant):
                session = tenant_session()
                job = session.get(Job, job_id)  # the transaction's snapshot starts here
                both_in_transaction.wait()
                answer_scoring.score(session, job)
                session.commit()
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)
            both_in_transaction.abort()
            raise

    threads = [threading.Thread(target=run, args=(job_id,), name=f"score-{job_id[:6]}") for job_id in job_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a scoring thread hung"
    assert not errors, errors

    with tenant_scope(tenant):
        session = tenant_session()
        interview = session.get(Interview, interview_id)
        overalls = [answer.overall for answer in interview.answers]
        assert all(answer.report is not None for answer in interview.answers)
        assert interview.status == "scored" and interview.scored_at is not None
        assert interview.overall == pytest.approx(sum(overalls) / 2, abs=0.1)
        told = session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "report_ready", Notification.user_id == interview.candidate_id))
        assert told == 1

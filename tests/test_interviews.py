"""The candidate's interview through HTTP: set up, autosave, resume, submit, adaptive
steps, scoring (in-process: the world has no Redis), the report with its evidence, the PDF,
and every bad input (empty, too long, double submit, time up, someone else's interview)."""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import timedelta

import pytest
from helpers import PASSWORD, csrf_token
from job_helpers import drain, redis_app
from markupsafe import escape
from score_helpers import new_cohort
from sqlalchemy import func, select, update

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants import accounts
from aimi.tenants import settings as tenant_settings
from aimi.tenants.interview_models import Interview, InterviewAnswer, Question, QuestionBank, QuestionVersion
from aimi.tenants.interviews import GRACE_SECONDS, MAX_ANSWER_CHARS
from aimi.tenants.models import Job

BASE = "/t/{slug}/interviews"
POOR = ("My favourite holiday was a trip to the beach with my cousins. We ate ice cream and played "
        "football on the sand every evening.")
TECHNICAL = [
    ("easy", "What is a hash table and why are its lookups fast?",
     "A hash table stores key value pairs in an array of buckets. A hash function turns each key into "
     "an index, so a lookup goes straight to the right bucket instead of scanning every entry, which "
     "means lookups take constant time on average. When two keys land in the same bucket we have a "
     "collision, which the table resolves by chaining or open addressing. For example, a Python dict "
     "finds a user by email in one step even with a million users.",
     ["hash function maps keys to buckets", "constant time lookups on average", "collisions resolved"],
     ["hash", "bucket", "collision"]),
    ("medium", "Explain how you would design a rate limiter for a public API.",
     "I would use a token bucket per client, stored in Redis so every server shares it. Each request "
     "takes one token and tokens refill at a fixed rate, which means short bursts are allowed while "
     "the average rate stays bounded. When the bucket is empty the API answers 429 with a Retry-After "
     "header, because clients need to know when to come back. For example, 100 requests a minute with "
     "a burst of 20 protects the database while normal users never notice the limit.",
     ["token bucket per client", "shared store such as Redis", "answer 429 with Retry-After"],
     ["token bucket", "Redis", "429"]),
    ("hard", "How would you make a distributed cache consistent with its database?",
     "I would write to the database first and then invalidate the cache entry, because updating both "
     "can race and leave stale data. Readers fill the cache on a miss, and a short time to live bounds "
     "how long any stale value can survive, which means the worst case is known. To avoid a stampede "
     "on hot keys I would let one request refill while the others wait. For example, product prices "
     "are invalidated on every update through a change data capture stream.",
     ["write to the database then invalidate", "time to live bounds staleness", "prevent a stampede"],
     ["invalidate", "TTL", "stampede"]),
]
HR = [
    ("easy", "Tell me about a time you worked in a team under pressure.",
     "In my final year project our team had one week left when the demo server failed. My task was to "
     "rebuild the deployment, so I split the work, wrote the setup script and checked in with everyone "
     "every evening. As a result we demoed on time and the college adopted our script.",
     ["situation under pressure", "own action", "positive result"], ["team", "deadline", "result"]),
]


def add_questions(world, slug: str, copies: int = 2) -> str:
    """A bank of its own with ``copies`` of every test question (technical ones for the
    software-engineer role, HR ones for general); returns a marker in every question text."""
    marker = uuid.uuid4().hex[:6]
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        bank = QuestionBank(name=f"test bank {marker}", description="")
        session.add(bank)
        for copy in range(copies):
            for role, kind, rows in (("software-engineer", "technical", TECHNICAL),
                                     ("general", "behavioural", HR)):
                for difficulty, text, reference, rubric, keywords in rows:
                    question = Question(bank=bank, current_version=1)
                    question.versions.append(QuestionVersion(
                        version=1, text=f"{text} [{marker}-{copy}]", role=role, type=kind,
                        difficulty=difficulty, reference_answers=[reference], rubric=rubric,
                        keywords=keywords, tags=["test"], time_limit_seconds=180))
                    session.add(question)
        session.commit()
    return marker


@pytest.fixture
def questions(world) -> str:
    return add_questions(world, "alpha")


@pytest.fixture
def only_test_questions(world, questions):
    """Retire every other question of alpha while a test runs, so the questions asked
    (and how their reference answers score) are this file's, not the starter bank's."""
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        others = session.scalars(select(Question.id).join(QuestionBank).where(
            ~QuestionBank.name.endswith(questions), Question.retired_at.is_(None))).all()
        session.execute(update(Question).where(Question.id.in_(others)).values(retired_at=func.now()))
        session.commit()
    yield questions
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        session.execute(update(Question).where(Question.id.in_(others)).values(retired_at=None))
        session.commit()


def new_candidate(world, slug: str = "alpha"):
    """A fresh candidate (no interview history) with a signed-in client."""
    email = f"cand-{uuid.uuid4().hex[:8]}@{slug}.example.com"
    with tenant_scope(world.tenants[slug]):
        accounts.create_user(tenant_session(), email=email, full_name="Second Candidate", roles=["candidate"],
                             password_hash=world.hasher()(PASSWORD), confirmed=True)
        tenant_session().commit()
    client = world.client()
    resp = client.post(f"/t/{slug}/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return client


def start(client, slug: str = "alpha", **choice) -> int:
    base = BASE.format(slug=slug)
    page = client.get(base + "/")
    assert page.status_code == 200
    form = {"role": "software-engineer", "type": "technical", "difficulty": "easy", "num_questions": "2",
            **choice, "csrf_token": csrf_token(page.get_data(as_text=True))}
    resp = client.post(base + "/", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def current(world, interview_id: int, slug: str = "alpha") -> dict:
    """The question the candidate is on, as stored (its reference answer is the good answer)."""
    with tenant_scope(world.tenants[slug]):
        interview = tenant_session().get(Interview, interview_id)
        answer = next(a for a in interview.answers if a.position == interview.current_position)
        return {"position": answer.position + 1, "difficulty": answer.difficulty, "text": answer.text,
                "question": answer.question.text, "good": answer.question.reference_answers[0],
                "id": answer.id}


def show(client, interview_id: int, slug: str = "alpha") -> tuple[str, str]:
    page = client.get(f"{BASE.format(slug=slug)}/{interview_id}")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    return html, csrf_token(html)


def draft(client, interview_id: int, position: int, text, token: str, slug: str = "alpha"):
    return client.post(f"{BASE.format(slug=slug)}/{interview_id}/answers/{position}/draft",
                       json={"text": text}, headers={"X-CSRFToken": token, "Accept": "application/json"})


def submit(client, interview_id: int, position: int, text: str, token: str, slug: str = "alpha"):
    return client.post(f"{BASE.format(slug=slug)}/{interview_id}/answers/{position}/submit",
                       data={"text": text, "csrf_token": token})


def answer_all(world, client, interview_id: int, text_for=lambda q: q["good"]) -> None:
    while True:
        _html, token = show(client, interview_id)
        q = current(world, interview_id)
        resp = submit(client, interview_id, q["position"], text_for(q), token)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        if "/progress" in resp.headers["Location"]:
            return


def scored_interview(world, slug: str = "alpha") -> tuple[object, int]:
    add_questions(world, slug)
    client = new_candidate(world, slug)
    interview_id = start(client, slug, num_questions="1")
    html, token = show(client, interview_id, slug)
    q = current(world, interview_id, slug)
    signed = f"{q['good']} Signed {slug}-{uuid.uuid4().hex[:8]}."  # text found in no other college
    assert submit(client, interview_id, 1, signed, token, slug).status_code == 302
    return client, interview_id


def test_start_answer_resume_submit_and_read_the_report(world, questions):
    client = world.login("alpha", "candidate")
    index = client.get(BASE.format(slug="alpha") + "/").get_data(as_text=True)
    assert "Start a practice interview" in index
    interview_id = start(client)
    html, token = show(client, interview_id)
    q = current(world, interview_id)
    assert q["position"] == 1 and q["question"] in html and 'data-seconds-left="' in html
    assert 'id="iv-save" aria-live="polite"' in html and "js/interview.js" in html

    # autosave, then a reload shows the saved text: nothing lost
    typed = "A hash table <maps> keys & values"
    resp = draft(client, interview_id, 1, typed, token)
    assert resp.status_code == 200 and resp.get_json()["saved"] is True
    html, token = show(client, interview_id)
    assert "A hash table &lt;maps&gt; keys &amp; values</textarea>" in html
    assert current(world, interview_id)["text"] == typed

    # the no-script "Save" button posts the form and comes back to the same question
    resp = client.post(f"{BASE.format(slug='alpha')}/{interview_id}/answers/1/draft",
                       data={"text": typed + " (form)", "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/interviews/{interview_id}")
    assert "Your answer is saved" in client.get(resp.headers["Location"]).get_data(as_text=True)

    # submit question 1 with filler words, go on to question 2
    first = "Um, so basically " + q["good"] + " Naïve “quotes” – 漢字 <b>not bold</b>."
    resp = submit(client, interview_id, 1, first, token)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/interviews/{interview_id}")
    html, token = show(client, interview_id)
    second = current(world, interview_id)
    assert second["position"] == 2 and second["question"] != q["question"]
    resp = submit(client, interview_id, 2, second["good"], token)
    assert resp.headers["Location"].endswith(f"/interviews/{interview_id}/progress")

    # scored in-process at once: the progress page moves on to the report
    status = client.get(f"{BASE.format(slug='alpha')}/{interview_id}/status").get_json()
    assert status["status"] == "scored" and status["report_url"].endswith("/report")
    assert [a["scored"] for a in status["answers"]] == [True, True]
    assert all(a["job"]["status"] == "done" for a in status["answers"])
    progress = client.get(f"{BASE.format(slug='alpha')}/{interview_id}/progress")
    assert progress.status_code == 302 and progress.headers["Location"].endswith("/report")

    report = client.get(f"{BASE.format(slug='alpha')}/{interview_id}/report")
    assert report.status_code == 200
    page = report.get_data(as_text=True)
    with tenant_scope(world.tenants["alpha"]):
        interview = tenant_session().get(Interview, interview_id)
        overall, dims = interview.overall, interview.report["dimensions"]
        assert interview.status == "scored" and interview.scored_at is not None
        answers = [a.overall for a in interview.answers]
    assert overall == pytest.approx(sum(answers) / 2, abs=0.1)
    assert f"{overall:.0f}" in page and {"content", "structure", "delivery"} <= set(dims)
    for name in dims:
        assert name.capitalize() in page
    assert '<mark class="ev ev--covered' in page  # rubric points covered, in the answer text
    assert "ev--part-" in page and "Topics to review" in page and "Download PDF" in page
    answer_html = page.split('class="iv-text">', 1)[1].split("</div>", 1)[0]
    assert re.sub(r"<[^>]+>", "", answer_html) == str(escape(first))  # every character, once
    assert "<b>" not in answer_html
    assert re.search(r'<mark class="ev ev--filler[^"]*" title="Filler: Um[^"]*">Um</mark>', answer_html)

    pdf = client.get(f"{BASE.format(slug='alpha')}/{interview_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and len(pdf.data) > 1000

    listing = client.get(BASE.format(slug="alpha") + "/").get_data(as_text=True)
    assert f"/interviews/{interview_id}/report" in listing


def test_adaptive_steps_up_after_a_good_answer_and_down_after_a_poor_one(world, only_test_questions):
    client = new_candidate(world)
    interview_id = start(client, difficulty="adaptive", num_questions="3")
    levels = []
    for text_for in (lambda q: q["good"], lambda q: POOR):
        _html, token = show(client, interview_id)
        q = current(world, interview_id)
        levels.append(q["difficulty"])
        assert submit(client, interview_id, q["position"], text_for(q), token).status_code == 302
    show(client, interview_id)
    levels.append(current(world, interview_id)["difficulty"])
    with tenant_scope(world.tenants["alpha"]):
        scores = [a.overall for a in tenant_session().get(Interview, interview_id).answers]
    assert scores[0] >= 70 and scores[1] < 45, scores
    assert levels == ["easy", "medium", "easy"], (levels, scores)


def test_recent_questions_are_not_repeated(world):
    add_questions(world, "alpha", copies=3)
    client = new_candidate(world)
    seen = []
    for _ in range(2):
        interview_id = start(client, num_questions="2")
        asked = []
        for _position in range(2):
            _html, token = show(client, interview_id)
            q = current(world, interview_id)
            asked.append(q["question"])
            submit(client, interview_id, q["position"], q["good"], token)
        assert len(set(asked)) == 2
        seen.append(set(asked))
    assert not seen[0] & seen[1]


def test_empty_and_too_long_answers_are_refused_and_nothing_is_written(world, questions):
    client = new_candidate(world)
    interview_id = start(client)
    _html, token = show(client, interview_id)
    draft(client, interview_id, 1, "kept draft", token)

    resp = submit(client, interview_id, 1, "   \n ", token)
    assert resp.status_code == 422 and "Write an answer before submitting it" in resp.get_data(as_text=True)

    huge = "x" * (MAX_ANSWER_CHARS + 1)
    resp = draft(client, interview_id, 1, huge, token)
    assert resp.status_code == 422
    assert "20,001 characters" in resp.get_json()["message"] and "20,000" in resp.get_json()["message"]
    resp = submit(client, interview_id, 1, huge, token)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "the limit is 20,000" in page
    assert huge in page  # the text comes back to be shortened, not lost
    resp = draft(client, interview_id, 1, 42, token)
    assert resp.status_code == 422 and "text" in resp.get_json()["message"]

    q = current(world, interview_id)
    assert q["text"] == "kept draft" and q["position"] == 1
    with tenant_scope(world.tenants["alpha"]):
        answer = tenant_session().get(InterviewAnswer, q["id"])
        assert answer.submitted_at is None and answer.job_id is None

    # a draft of exactly the limit is fine
    assert draft(client, interview_id, 1, "y" * MAX_ANSWER_CHARS, token).status_code == 200


def test_double_submit_is_idempotent(world, questions):
    client = new_candidate(world)
    interview_id = start(client, num_questions="2")
    _html, token = show(client, interview_id)
    q = current(world, interview_id)
    texts = [q["good"], "a different text sent twice"]
    both_ready = threading.Barrier(2, timeout=30)
    responses: dict[int, object] = {}

    def send(i: int) -> None:  # a double click: two requests in flight at once
        both_ready.wait()
        responses[i] = submit(client, interview_id, 1, texts[i], token)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    first, again = responses[0], responses[1]
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        interview = session.get(Interview, interview_id)
        # one submission: position 1 done, the next question chosen once
        assert interview.current_position == 1 and len(interview.answers) == 2
        assert interview.answers[0].text in texts and interview.answers[1].text == ""
        jobs = session.scalar(select(func.count()).select_from(Job)
                              .where(Job.idempotency_key == f"score_answer:answer{q['id']}"))
        assert jobs == 1, "both submissions queued scoring"
    # a draft for a submitted answer is refused
    resp = draft(client, interview_id, 1, "late edit", token)
    assert resp.status_code == 409 and "already submitted" in resp.get_json()["message"]
    # a question not shown yet does not exist
    assert draft(client, interview_id, 5, "x", token).status_code == 404


def _expire(world, answer_id: int) -> None:
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        answer = session.get(InterviewAnswer, answer_id)
        back = timedelta(seconds=answer.time_limit_seconds + GRACE_SECONDS + 5)
        session.execute(update(InterviewAnswer).where(InterviewAnswer.id == answer_id)
                        .values(presented_at=answer.presented_at - back))
        session.commit()


def test_expired_time_limit_scores_what_was_saved_in_time(world, questions):
    client = new_candidate(world)
    interview_id = start(client, num_questions="2")
    _html, token = show(client, interview_id)
    q = current(world, interview_id)
    assert draft(client, interview_id, 1, q["good"], token).status_code == 200
    _expire(world, q["id"])

    html, token = show(client, interview_id)
    assert "Time is up for this question" in html and "readonly" in html
    resp = draft(client, interview_id, 1, "typed after the limit", token)
    assert resp.status_code == 409 and "Time is up" in resp.get_json()["message"]
    resp = submit(client, interview_id, 1, "typed after the limit", token)
    assert resp.status_code == 302
    assert "Time was up for that question" in client.get(resp.headers["Location"]).get_data(as_text=True)

    # question 2: the time ran out with nothing saved: unanswered, scored 0, no job
    second = current(world, interview_id)
    _expire(world, second["id"])
    _html, token = show(client, interview_id)
    assert submit(client, interview_id, 2, "", token).headers["Location"].endswith("/progress")
    with tenant_scope(world.tenants["alpha"]):
        interview = tenant_session().get(Interview, interview_id)
        first, last = interview.answers
        assert first.text == q["good"] and first.report is not None and first.overall > 0
        assert last.text == "" and last.overall == 0 and last.job_id is None
        assert interview.status == "scored" and interview.report["late"] == [0, 1]
    page = client.get(f"{BASE.format(slug='alpha')}/{interview_id}/report").get_data(as_text=True)
    assert "Late: the text saved within the time limit was scored" in page
    assert "No answer was saved in time" in page


def test_start_form_errors(world, questions):
    client = new_candidate(world)
    base = BASE.format(slug="alpha")
    token = csrf_token(client.get(base + "/").get_data(as_text=True))
    cases = [
        ({"num_questions": "0"}, "Choose between 1 and 15 questions"),
        ({"num_questions": "16"}, "Choose between 1 and 15 questions"),
        ({"role": "general", "type": "technical"}, "Technical questions belong to a job role"),
        ({"difficulty": "impossible"}, "Not a valid choice"),
    ]
    for change, message in cases:
        form = {"role": "software-engineer", "type": "technical", "difficulty": "easy", "num_questions": "2",
                "csrf_token": token, **change}
        resp = client.post(base + "/", data=form)
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), change
    resp = client.post(base + "/", data={"role": "software-engineer", "type": "technical",
                                         "difficulty": "easy", "num_questions": "2"})
    assert resp.status_code in (400, 422)  # no CSRF token
    assert "No interviews yet" in client.get(base + "/").get_data(as_text=True)  # nothing was written


def test_other_candidates_interview_is_404_everywhere(world, questions):
    owner = new_candidate(world)
    interview_id = start(owner, num_questions="1")
    _html, owner_token = show(owner, interview_id)
    intruder = new_candidate(world)
    _page, token = show(intruder, start(intruder, num_questions="1"))
    base = f"{BASE.format(slug='alpha')}/{interview_id}"
    for url in ("", "/progress", "/status", "/report", "/report.pdf"):
        assert intruder.get(base + url).status_code == 404, url
    assert draft(intruder, interview_id, 1, "mine now", token).status_code == 404
    assert submit(intruder, interview_id, 1, "mine now", token).status_code == 404
    assert current(world, interview_id)["text"] == ""
    # the owner's own report is not there until scored: a clear 409, not a crash
    assert owner.get(base + "/report").status_code == 409
    assert submit(owner, interview_id, 1, "My own answer about hash tables.", owner_token).status_code == 302


def test_mentors_read_reports_of_their_cohorts_only(world):
    candidate, interview_id = scored_interview(world, "alpha")
    base = f"{BASE.format(slug='alpha')}/{interview_id}"
    mentor = world.login("alpha", "mentor")
    assert mentor.get(base + "/report").status_code == 404  # not in a cohort of theirs yet
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        candidate_id = session.get(Interview, interview_id).candidate_id
        mentor_id = accounts.find_by_email(session, world.email("alpha", "mentor")).id
    new_cohort(world, "alpha", [candidate_id], [mentor_id])
    page = mentor.get(base + "/report")
    assert page.status_code == 200 and "Second Candidate" in page.get_data(as_text=True)
    assert mentor.get(base + "/report.pdf").data.startswith(b"%PDF")
    assert world.login("alpha", "admin").get(base + "/report").status_code == 200
    # read-only: the candidate pages are not theirs
    assert mentor.get(BASE.format(slug="alpha") + "/").status_code == 403
    assert mentor.get(base).status_code == 403
    assert mentor.get(base + "/status").status_code == 403

    # beta's mentor: signed in at beta, nothing at alpha (session and token are beta's)
    beta_mentor = world.login("beta", "mentor")
    resp = beta_mentor.get(base + "/report")
    assert resp.status_code in (302, 401) and "Second Candidate" not in resp.get_data(as_text=True)
    token = {"Authentication-Token": world.token("beta", "mentor")}
    assert world.client().get(base + "/report", headers=token).status_code in (302, 401)
    # the same number at beta is beta's interview (or none), never alpha's
    resp = beta_mentor.get(f"{BASE.format(slug='beta')}/{interview_id}/report")
    assert resp.status_code in (200, 404)
    assert "Second Candidate" not in resp.get_data(as_text=True) or resp.status_code == 404
    # anonymous visitors are sent to sign in
    anonymous = world.client().get(base + "/report")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert world.client().get(base + "/status", headers={"Accept": "application/json"}).status_code == 401
    assert candidate.get(base + "/report").status_code == 200


def test_ids_overlap_between_colleges_but_data_does_not(world):
    beta_client, beta_id = scored_interview(world, "beta")
    with tenant_scope(world.tenants["beta"]):
        beta_answer = tenant_session().get(Interview, beta_id).answers[0].text
    alpha_mentor = world.login("alpha", "mentor")
    resp = alpha_mentor.get(f"{BASE.format(slug='alpha')}/{beta_id}/report")
    assert resp.status_code in (200, 404, 409)
    assert beta_answer.rsplit(" ", 1)[-1] not in resp.get_data(as_text=True)
    # alpha's candidate session means nothing at beta
    alpha_candidate = world.login("alpha", "candidate")
    resp = alpha_candidate.get(f"{BASE.format(slug='beta')}/{beta_id}/report")
    assert resp.status_code == 302 and beta_answer.rsplit(" ", 1)[-1] not in resp.get_data(as_text=True)
    resp = alpha_candidate.post(f"{BASE.format(slug='beta')}/{beta_id}/answers/1/draft", json={"text": "x"},
                                headers={"Accept": "application/json"})
    assert resp.status_code in (400, 401)
    status = beta_client.get(f"{BASE.format(slug='beta')}/{beta_id}/status").get_json()
    assert status["id"] == beta_id and status["status"] == "scored"
    assert json.dumps(status).count('"scored": true') == 1


def test_on_a_worker_the_progress_page_waits_then_the_report_opens(world, questions, redis_url):
    with redis_app(world, redis_url) as app:
        client = app.test_client()
        email = world.email("alpha", "candidate")
        assert client.post("/t/alpha/login", json={"email": email, "password": PASSWORD}).status_code == 200
        interview_id = start(client, num_questions="1")
        _html, token = show(client, interview_id)
        q = current(world, interview_id)
        assert submit(client, interview_id, 1, q["good"], token).headers["Location"].endswith("/progress")
        base = f"{BASE.format(slug='alpha')}/{interview_id}"
        page = client.get(base + "/progress")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'http-equiv="refresh"' in html and "data-status-url" in html
        status = client.get(base + "/status").get_json()
        assert status["status"] == "submitted" and status["report_url"] is None
        assert status["answers"][0]["job"]["status"] == "queued"
        assert client.get(base + "/report").status_code == 409
        drain(redis_url)
        status = client.get(base + "/status").get_json()
        assert status["status"] == "scored" and status["report_url"].endswith("/report")
        assert client.get(base + "/report").status_code == 200


def test_practice_suggestion_prefills_the_set_up_form(world):
    client = new_candidate(world)
    page = client.get(f"{BASE.format(slug='alpha')}/?type=hr&role=general&num_questions=3&difficulty=bogus")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'value="hr"[^>]*checked|checked[^>]*value="hr"', html)
    option = r'<option[^>]*selected[^>]*value="general"|<option[^>]*value="general"[^>]*selected'
    assert re.search(option, html)
    assert re.search(r'name="num_questions"[^>]*value="3"|value="3"[^>]*name="num_questions"', html)


def test_a_duration_sets_how_many_questions_fit(world, only_test_questions):
    client = new_candidate(world)
    # 180 s per test question, doubled by the default allowance for typing
    interview_id = start(client, num_questions="1", duration_minutes="18")
    with tenant_scope(world.tenants["alpha"]):
        assert tenant_session().get(Interview, interview_id).num_questions == 3
    page = client.get(BASE.format(slug="alpha") + "/")
    form = {"role": "software-engineer", "type": "technical", "difficulty": "easy", "num_questions": "2",
            "duration_minutes": "500", "csrf_token": csrf_token(page.get_data(as_text=True))}
    refused = client.post(BASE.format(slug="alpha") + "/", data=form)
    assert refused.status_code == 422 and "Choose a duration from 5 to 120 minutes." in refused.get_data(
        as_text=True)


def _answer_noting_difficulties(world, client, interview_id: int) -> list[str]:
    served = []
    while True:
        _html, token = show(client, interview_id)
        q = current(world, interview_id)
        served.append(q["difficulty"])
        resp = submit(client, interview_id, q["position"], q["good"], token)
        if "/progress" in resp.headers["Location"]:
            return served


def test_a_chosen_difficulty_is_served_even_when_its_questions_were_seen_recently(world, only_test_questions):
    """The walk-through: Medium chosen, Hard and Easy served (fresh questions won over the
    chosen difficulty) while the report said Medium."""
    client = new_candidate(world)
    for _attempt in range(2):
        interview_id = start(client, difficulty="medium", num_questions="2")
        assert _answer_noting_difficulties(world, client, interview_id) == ["medium", "medium"]
    report = client.get(f"{BASE.format(slug='alpha')}/{interview_id}/report").get_data(as_text=True)
    assert "Medium difficulty" in report and 'id="difficulty-note"' not in report


def test_too_few_questions_at_the_chosen_difficulty_are_filled_from_the_nearest_and_said(
        world, only_test_questions):
    client = new_candidate(world)
    interview_id = start(client, difficulty="medium", num_questions="3")  # the bank holds 2 Medium
    html, _token = show(client, interview_id)
    assert ("hold 2 Medium Technical questions for Software Engineer, so 1 question of 3 will be "
            "Easy or Hard, the nearest difficulty") in html
    served = _answer_noting_difficulties(world, client, interview_id)
    assert served[:2] == ["medium", "medium"] and served[2] in ("easy", "hard")
    report = client.get(f"{BASE.format(slug='alpha')}/{interview_id}/report").get_data(as_text=True)
    note = report.split('id="difficulty-note">', 1)[1].split("</p>", 1)[0]
    assert note == ("You chose Medium, but your college&#39;s question banks held too few Medium "
                    f"questions: question 3 was {served[2].capitalize()}.")
    pdf = client.get(f"{BASE.format(slug='alpha')}/{interview_id}/report.pdf")
    assert pdf.status_code == 200


def _typing_allowance(world, percent: int) -> None:
    with tenant_scope(world.tenants["alpha"]):
        tenant_settings.save(tenant_session(), {"typing_allowance_percent": percent})
        tenant_session().commit()


def test_every_question_gets_the_colleges_allowance_for_typing(world, only_test_questions):
    """The walk-through: per-question limits (set for saying an answer) were short for typing
    on a phone. The college's allowance (default: double the time) is added, and said."""
    client = new_candidate(world)
    interview_id = start(client, num_questions="1")
    html, _token = show(client, interview_id)
    with tenant_scope(world.tenants["alpha"]):
        answer = tenant_session().get(InterviewAnswer, current(world, interview_id)["id"])
        limit, base = answer.time_limit_seconds, answer.question.time_limit_seconds
    assert (base, limit) == (180, 360)
    assert "(of 6:00, including 3:00 for typing)" in " ".join(html.split())
    _typing_allowance(world, 0)
    try:
        interview_id = start(client, num_questions="1")
        html, _token = show(client, interview_id)
        assert "(of 3:00)" in " ".join(html.split()) and "for typing" not in html
    finally:
        _typing_allowance(world, 100)
    with pytest.raises(tenant_settings.SettingsError, match="from 0 to 300"):
        tenant_settings.validate({"typing_allowance_percent": 301})


def test_the_answer_box_follows_the_question_and_consent_sits_with_the_voice_controls(world, questions):
    client = new_candidate(world)
    html, _token = show(client, start(client))
    assert "I agree: let me record" in html
    assert html.index('id="q-text"') < html.index('id="iv-text"') < html.index('id="iv-consent"')
    assert html.index('id="iv-voice"') < html.index('id="iv-consent"')

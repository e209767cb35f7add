"""Question banks through HTTP: banks and the editor (an edit is a new version; what an
interview asked stays), search and retire, CSV/JSON import with bad rows and export
round trips, the try-it scoring (in-process and on a Redis worker), roles, CSRF and
isolation between colleges by id."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from helpers import csrf_token, post_form, tag
from job_helpers import drain, redis_app
from sqlalchemy import func, select

from aimi.platform.db import tenant_scope, tenant_session
from aimi.tenants import questions
from aimi.tenants.interview_models import Interview, InterviewAnswer, Question, QuestionBank, QuestionVersion
from aimi.tenants.models import AuditLog, User

GOOD = {
    "text": "How would you design a URL shortener?", "role": "software-engineer", "type": "technical",
    "difficulty": "medium", "reference_answers": "Hash the URL into a short key stored in a database.",
    "rubric": "key generation\nstorage\ncaching", "keywords": "hash\ncache", "tags": "System Design",
    "time_limit_seconds": "240",
}
CRITERIA_RUBRIC = "Your own actions, in the first person\nwhat you learnt"  # labels, any case
ANSWER = ("I would hash the long URL into a short key and store the pair in a database, with a cache in "
          "front for popular links. Um, collisions get a new key.")
CSV_HEADER = "text,role,type,difficulty,reference_answers,rubric,keywords,tags,time_limit_seconds\n"


def make_bank(world, slug: str, items: list[dict] = (), name: str | None = None) -> tuple[int, list[int]]:
    """A bank with questions, written through the service as a setup shortcut."""
    with tenant_scope(world.tenants[slug]):
        session = tenant_session()
        bank = questions.create_bank(session, name or f"Bank {tag()}")
        made = [questions.create_question(session, bank, {**GOOD, **item}) for item in items]
        session.commit()
        return bank.id, [q.id for q in made]


def read(world, slug: str, fn):
    with tenant_scope(world.tenants[slug]):
        return fn(tenant_session())


def actions(world, slug: str, target_type: str, target_id: int) -> list[str]:
    return read(world, slug, lambda s: list(s.scalars(
        select(AuditLog.action).where(AuditLog.target_type == target_type,
                                      AuditLog.target_id == str(target_id)).order_by(AuditLog.id))))


def question_count(world, slug: str, bank_id: int) -> int:
    return read(world, slug, lambda s: s.scalar(
        select(func.count()).select_from(Question).where(Question.bank_id == bank_id)))


def bank_texts(client, slug: str, bank_id: int, query: str = "") -> str:
    resp = client.get(f"/t/{slug}/questions/banks/{bank_id}{query}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def upload(client, bank_id: int, name: str, body: str):
    url = f"/t/alpha/questions/banks/{bank_id}/import"
    return post_form(client, url, url, {"file": (io.BytesIO(body.encode()), name)},
                     content_type="multipart/form-data")


# --- banks and the editor --------------------------------------------------------------------


def test_create_bank_and_question(world):
    mentor = world.login("alpha", "mentor")
    name = f"Backend {tag()}"
    resp = post_form(mentor, "/t/alpha/questions", "/t/alpha/questions",
                     {"name": name, "description": "Core"})
    assert resp.status_code == 302
    bank_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert "has no questions yet" in bank_texts(mentor, "alpha", bank_id)
    assert name in mentor.get("/t/alpha/questions").get_data(as_text=True)

    text = f"Design a rate limiter {tag()}"
    new = f"/t/alpha/questions/banks/{bank_id}/new"
    resp = post_form(mentor, new, new, {**GOOD, "text": text}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and text in page and "version 1" in page
    question = read(world, "alpha", lambda s: s.scalars(
        select(QuestionVersion).where(QuestionVersion.text == text)).one())
    assert question.rubric == ["key generation", "storage", "caching"]
    assert question.tags == ["system design"] and question.time_limit_seconds == 240
    assert actions(world, "alpha", "question_bank", bank_id) == ["question_bank.created"]
    assert actions(world, "alpha", "question", question.question_id) == ["question.created"]

    again = post_form(mentor, "/t/alpha/questions", "/t/alpha/questions", {"name": name.upper()})
    assert again.status_code == 422 and "already a bank named" in again.get_data(as_text=True)


def test_bad_question_shows_errors_beside_fields_and_writes_nothing(world):
    admin = world.login("alpha", "admin")
    bank_id, _ = make_bank(world, "alpha")
    new = f"/t/alpha/questions/banks/{bank_id}/new"
    bad = {**GOOD, "text": " ", "role": "astronaut", "difficulty": "brutal", "time_limit_seconds": "9000",
           "keywords": "a|b"}
    resp = post_form(admin, new, new, bad)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'id="text-error"[^>]*>\s*<li>Write the question', page)
    assert "Unknown role &#39;astronaut&#39;" in page and "Unknown difficulty" in page
    assert "from 30 to 1800 seconds, not 9000" in page and "must not contain &#39;|&#39;" in page
    nothing = post_form(admin, new, new, {**GOOD, "reference_answers": "", "rubric": ""})
    assert nothing.status_code == 422 and "at least one reference answer or rubric point" in nothing.get_data(
        as_text=True)
    assert question_count(world, "alpha", bank_id) == 0


def test_edit_adds_a_version_and_interviews_keep_theirs(world):
    bank_id, [qid] = make_bank(world, "alpha", [{"text": f"Old wording {tag()}"}])
    old_text = read(world, "alpha", lambda s: s.get(Question, qid).latest.text)

    def ask_in_interview(session):
        candidate = session.scalar(select(User).where(User.email == world.email("alpha", "candidate")))
        version = session.get(Question, qid).latest
        interview = Interview(candidate_id=candidate.id, role="software-engineer", type="technical",
                              difficulty_mode="medium", num_questions=1)
        interview.answers.append(InterviewAnswer(position=0, question_version_id=version.id,
                                                 difficulty="medium", text="my answer"))
        session.add(interview)
        session.commit()
        return interview.answers[0].id

    answer_id = read(world, "alpha", ask_in_interview)
    mentor = world.login("alpha", "mentor")
    edit = f"/t/alpha/questions/{qid}/edit"
    page = mentor.get(edit).get_data(as_text=True)
    assert old_text in page and 'name="base_version" type="hidden" value="1"' in page
    new_text = f"New wording {tag()}"
    resp = post_form(mentor, edit, edit, {**GOOD, "text": new_text, "base_version": "1"},
                     follow_redirects=True)
    assert resp.status_code == 200 and "Saved as version 2." in resp.get_data(as_text=True)

    def check(session):
        question = session.get(Question, qid)
        assert question.current_version == 2 and [v.text for v in question.versions] == [old_text, new_text]
        answer = session.get(InterviewAnswer, answer_id)
        assert answer.question.version == 1 and answer.question.text == old_text
    read(world, "alpha", check)
    assert actions(world, "alpha", "question", qid)[-1] == "question.edited"

    history = mentor.get(f"/t/alpha/questions/{qid}/history").get_data(as_text=True)
    assert old_text in history and new_text in history and "asked in 1 interview answer" in history
    same = post_form(mentor, edit, edit, {**GOOD, "text": new_text, "base_version": "2"},
                     follow_redirects=True)
    assert "Nothing changed" in same.get_data(as_text=True)
    stale = post_form(mentor, edit, edit, {**GOOD, "text": "Third", "base_version": "1"})
    assert stale.status_code == 422 and "Someone saved version 2" in stale.get_data(as_text=True)
    assert read(world, "alpha", lambda s: s.get(Question, qid).current_version) == 2


def test_search_filters_and_retire(world):
    word = tag()
    bank_id, [q1, q2, q3] = make_bank(world, "alpha", [
        {"text": f"Explain indexes {word}", "tags": "databases\nperformance"},
        {"text": "Tell me about a conflict", "role": "general", "type": "behavioural", "difficulty": "easy",
         "keywords": f"team\n{word}kw", "rubric": CRITERIA_RUBRIC},
        {"text": "Estimate piano tuners", "role": "product-manager", "type": "aptitude",
         "difficulty": "hard"},
    ])
    admin = world.login("alpha", "admin")

    def shown(query: str) -> set[int]:
        page = bank_texts(admin, "alpha", bank_id, query)
        return {int(n) for n in re.findall(r'href="/t/alpha/questions/(\d+)"', page)}

    assert shown("") == {q1, q2, q3}
    assert shown(f"?q={word.upper()}") == {q1, q2}  # text, and keywords
    assert shown("?role=general") == {q2} and shown("?type=aptitude") == {q3}
    assert shown("?difficulty=medium") == {q1} and shown("?tag=Databases") == {q1}
    assert shown("?role=astronaut") == {q1, q2, q3}  # not a choice: ignored
    assert "No questions match" in bank_texts(admin, "alpha", bank_id, "?q=nothing-like-this")

    url = f"/t/alpha/questions/{q1}"
    resp = post_form(admin, url, f"{url}/retire", {"retired": "1"}, follow_redirects=True)
    assert "Question retired" in resp.get_data(as_text=True)
    assert shown("") == {q2, q3} and shown("?retired=1") == {q1, q2, q3}
    assert "<td class=\"num\">1</td>" in admin.get("/t/alpha/questions").get_data(as_text=True)
    resp = post_form(admin, url, f"{url}/retire", {"retired": "0"}, follow_redirects=True)
    assert "Question brought back" in resp.get_data(as_text=True) and shown("") == {q1, q2, q3}
    assert actions(world, "alpha", "question", q1)[-2:] == ["question.retired", "question.unretired"]
    assert post_form(admin, url, f"{url}/retire", {"retired": "maybe"}).status_code == 400


# --- import and export -----------------------------------------------------------------------


def test_csv_import_keeps_good_rows_and_reports_bad_lines(world):
    bank_id, _ = make_bank(world, "alpha")
    good = f"Why Python {tag()}?"
    body = CSV_HEADER + "\n".join([
        f'"{good}",software-engineer,technical,easy,It is readable | It has libraries,readability,'
        "python,lang,",
        ",general,hr,easy,ref,,,,",
        "Who are you,astronaut,hr,easy,ref,,,,",
        "What is ROI,Product Manager,aptitude,brutal,ref,,,,",
        "Pitch this pen,sales-executive,hr,easy,ref,,,,9000",
        "Pitch that pen,sales-executive,hr,easy,ref,,,,soon",
        "Sell me this stapler,Sales Executive,HR,hard,,own action | Example,,,90",
    ]) + "\n"
    admin = world.login("alpha", "admin")
    resp = upload(admin, bank_id, "questions.csv", body)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Created 2 questions." in page
    errors = dict((int(line), reason) for line, reason in re.findall(
        r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td></tr>", page))
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "Write the question" in errors[3] and "Unknown role &#39;astronaut&#39;" in errors[4]
    assert "Unknown difficulty &#39;brutal&#39;" in errors[5] and "not 9000" in errors[6]
    assert "whole number of seconds" in errors[7]

    def check(session):
        rows = session.execute(questions.search(questions.Filters(bank_id=bank_id))).all()
        versions = {v.text: v for _q, v in rows}
        assert set(versions) == {good, "Sell me this stapler"}
        assert versions[good].reference_answers == ["It is readable", "It has libraries"]
        assert versions[good].time_limit_seconds == questions.DEFAULT_TIME_LIMIT
        assert versions["Sell me this stapler"].role == "sales-executive"
    read(world, "alpha", check)
    assert actions(world, "alpha", "question_bank", bank_id)[-1] == "questions.imported"

    bad_header = upload(admin, bank_id, "q.csv", "question,answer\nx,y\n")
    assert bad_header.status_code == 422 and "missing text, role, type, difficulty" in bad_header.get_data(
        as_text=True)
    assert question_count(world, "alpha", bank_id) == 2


def test_json_import_keeps_good_items_and_reports_bad_ones(world):
    bank_id, _ = make_bank(world, "alpha")
    items = [
        {"text": f"What is a p-value {tag()}?", "role": "data-scientist", "type": "technical",
         "difficulty": "medium", "rubric": ["probability under the null"], "keywords": ["null"]},
        "not an object",
        {"text": "Bad field", "role": "general", "type": "hr", "difficulty": "easy", "colour": "red"},
        {"text": "Bad limit", "role": "general", "type": "hr", "difficulty": "easy", "rubric": ["x"],
         "time_limit_seconds": True},
        {"text": "No type", "role": "general", "difficulty": "easy", "rubric": ["x"]},
    ]
    admin = world.login("alpha", "admin")
    page = upload(admin, bank_id, "questions.json", json.dumps(items)).get_data(as_text=True)
    assert "Created 1 question." in page and "4 items could not be imported" in page
    numbers = [int(n) for n in re.findall(r"<tr><td class=\"num\">(\d+)</td>", page)]
    assert numbers == [2, 3, 4, 5] and "unknown fields colour" in page and "Choose a type" in page
    broken = upload(admin, bank_id, "questions.json", '{"questions": [')
    assert broken.status_code == 422 and "not valid JSON" in broken.get_data(as_text=True)
    assert question_count(world, "alpha", bank_id) == 1


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_round_trip(world, fmt):
    source, _ = make_bank(world, "alpha", [
        {"text": f"Round trip one {tag()}", "tags": "a\nb", "keywords": 'quote " and, comma'},
        {"text": f"Round trip two {tag()}", "role": "ux-designer", "type": "hr", "difficulty": "hard",
         "reference_answers": "Line one, with a comma\nSecond answer", "rubric": CRITERIA_RUBRIC},
    ])
    admin = world.login("alpha", "admin")
    exported = admin.get(f"/t/alpha/questions/banks/{source}/export.{fmt}")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    target, _ = make_bank(world, "alpha")
    page = upload(admin, target, f"bank.{fmt}", exported.get_data(as_text=True)).get_data(as_text=True)
    assert "Created 2 questions." in page
    again = admin.get(f"/t/alpha/questions/banks/{target}/export.{fmt}").get_data(as_text=True)
    if fmt == "csv":
        assert again == exported.get_data(as_text=True)
        assert len(list(csv.DictReader(io.StringIO(again)))) == 2
    else:
        assert json.loads(again)["questions"] == json.loads(exported.get_data(as_text=True))["questions"]
    sample = admin.get(f"/t/alpha/questions/sample.{fmt}").get_data(as_text=True)
    assert "Created 2 questions." in upload(admin, target, f"sample.{fmt}", sample).get_data(as_text=True)


# --- try it ----------------------------------------------------------------------------------


def assert_report_page(page: str) -> None:
    assert 'id="try-report"' in page and "Overall:" in page
    for dimension in ("Content", "Structure", "Language", "Delivery", "Tone"):
        assert f'<th scope="row">{dimension}</th>' in page
    assert '<mark class="ev' in page  # evidence highlighted in the answer


def test_try_it_scores_a_sample_answer(world):
    _bank, [qid] = make_bank(world, "alpha", [{"text": f"Design a URL shortener {tag()}"}])
    mentor = world.login("alpha", "mentor")
    url = f"/t/alpha/questions/{qid}"
    page = mentor.get(url).get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "key": key, "answer": ANSWER}
    resp = mentor.post(f"{url}/try", data=data)
    assert resp.status_code == 302
    result = resp.headers["Location"]
    assert mentor.post(f"{url}/try", data=data).headers["Location"] == result  # a double click scores once
    assert_report_page(mentor.get(result).get_data(as_text=True))
    status = mentor.get(f"{result}/status").get_json()
    assert status == {"status": "done", "done": True, "error": ""}
    assert actions(world, "alpha", "question", qid) == ["question.created", "question.tried"]

    other_mentor_view = world.login("alpha", "admin").get(result)
    assert other_mentor_view.status_code == 200  # admins see every try-it result
    _b, [other] = make_bank(world, "alpha", [{"text": f"Another {tag()}"}])
    assert mentor.get(result.replace(f"/questions/{qid}/", f"/questions/{other}/")).status_code == 404
    empty = mentor.post(f"{url}/try", data={"csrf_token": data["csrf_token"], "answer": "  "})
    assert empty.status_code == 422 and "Type an answer to score." in empty.get_data(as_text=True)


def test_try_it_on_a_redis_worker_shows_progress_then_the_report(world, redis_url):
    _bank, [qid] = make_bank(world, "alpha", [{"text": f"Queued question {tag()}"}])
    with redis_app(world, redis_url) as app:
        mentor = world.login("alpha", "mentor", client=app.test_client())
        url = f"/t/alpha/questions/{qid}"
        resp = post_form(mentor, url, f"{url}/try", {"answer": ANSWER})
        result = resp.headers["Location"]
        waiting = mentor.get(result).get_data(as_text=True)
        assert 'id="try-progress"' in waiting and "js/questions.js" in waiting
        assert mentor.get(f"{result}/status").get_json() == {"status": "queued", "done": False, "error": ""}
        drain(redis_url)
        assert mentor.get(f"{result}/status").get_json()["done"] is True
        assert_report_page(mentor.get(result).get_data(as_text=True))


# --- who may do what -------------------------------------------------------------------------


def test_candidates_and_visitors_are_kept_out(world):
    bank_id, [qid] = make_bank(world, "alpha", [{"text": f"Staff only {tag()}"}])
    candidate = world.login("alpha", "candidate")
    token = csrf_token(candidate.get("/t/alpha/dashboard").get_data(as_text=True))
    gets = ["", f"/banks/{bank_id}", f"/banks/{bank_id}/new", f"/{qid}", f"/{qid}/edit", f"/{qid}/history",
            f"/banks/{bank_id}/import", f"/banks/{bank_id}/export.csv", f"/banks/{bank_id}/export.json",
            "/sample.csv", f"/{qid}/try/abc", f"/{qid}/try/abc/status"]
    posts = ["", f"/banks/{bank_id}/new", f"/{qid}/edit", f"/{qid}/retire", f"/{qid}/try",
             f"/banks/{bank_id}/import"]
    for path in gets:
        assert candidate.get(f"/t/alpha/questions{path}").status_code == 403, path
        resp = world.client().get(f"/t/alpha/questions{path}")
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
    for path in posts:
        resp = candidate.post(f"/t/alpha/questions{path}", data={"csrf_token": token, **GOOD, "retired": "1",
                                                                  "name": "x", "answer": "x"})
        assert resp.status_code == 403, path
    assert read(world, "alpha", lambda s: s.get(Question, qid).retired_at) is None


def test_posts_without_a_csrf_token_are_refused(world):
    bank_id, [qid] = make_bank(world, "alpha", [{"text": f"CSRF {tag()}"}])
    admin = world.login("alpha", "admin")
    for path, data in [("", {"name": f"x{tag()}"}), (f"/banks/{bank_id}/new", GOOD),
                       (f"/{qid}/edit", {**GOOD, "text": "changed"}), (f"/{qid}/retire", {"retired": "1"}),
                       (f"/{qid}/try", {"answer": ANSWER})]:
        assert admin.post(f"/t/alpha/questions{path}", data=data).status_code == 400, path
    assert question_count(world, "alpha", bank_id) == 1

    def unchanged(session):
        question = session.get(Question, qid)
        return question.current_version, question.retired_at
    assert read(world, "alpha", unchanged) == (1, None)


def test_alpha_cannot_reach_betas_banks_or_questions(world):
    secret = f"beta secret {tag()}"
    beta_bank, [beta_q] = make_bank(world, "beta", [{"text": secret}], name=f"Beta bank {tag()}")
    make_bank(world, "alpha", [{"text": f"Alpha filler {tag()}"}])  # alpha's ids reach beta's

    def alpha_names(session):
        bank, question = session.get(QuestionBank, beta_bank), session.get(Question, beta_q)
        return bank and bank.name, question and question.latest.text
    alpha_bank_name, alpha_text = read(world, "alpha", alpha_names)
    admin = world.login("alpha", "admin")
    for path in [f"/banks/{beta_bank}", f"/banks/{beta_bank}/export.csv", f"/banks/{beta_bank}/export.json",
                 f"/banks/{beta_bank}/import", f"/{beta_q}", f"/{beta_q}/edit", f"/{beta_q}/history"]:
        resp = admin.get(f"/t/alpha/questions{path}")
        body = resp.get_data(as_text=True)
        assert secret not in body and "Beta bank" not in body, path
        own = alpha_bank_name if "/banks/" in path else alpha_text
        if own is None:
            assert resp.status_code == 404, path
        elif "export" not in path:  # the same number shows alpha's own row
            assert resp.status_code == 200 and own.replace("'", "&#39;") in body, path
    token = csrf_token(admin.get("/t/alpha/questions").get_data(as_text=True))
    admin.post(f"/t/alpha/questions/{beta_q}/edit", data={"csrf_token": token, **GOOD, "text": "hijacked"})
    admin.post(f"/t/alpha/questions/{beta_q}/retire", data={"csrf_token": token, "retired": "1"})
    admin.post(f"/t/alpha/questions/banks/{beta_bank}/new",
               data={"csrf_token": token, **GOOD, "text": "planted"})

    def beta_state(session):
        question = session.get(Question, beta_q)
        return question.latest.text, question.current_version, question.retired_at
    assert read(world, "beta", beta_state) == (secret, 1, None)
    assert question_count(world, "beta", beta_bank) == 1

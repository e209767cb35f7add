"""The starter bank: enough questions for every role and difficulty, every entry valid, every
reference answer recognised by the real scorer, and every new tenant seeded exactly once."""

from __future__ import annotations

import copy
import uuid
from collections import Counter

import pytest
from sqlalchemy import delete, func, select

from aimi.evaluators.criteria import COMPANY_PLACEHOLDER
from aimi.evaluators.nlp import load_pipeline
from aimi.platform.db import tenant_scope, tenant_session
from aimi.plugins.scoring import default_states, score
from aimi.plugins.types import AnswerInput
from aimi.tenants import demo, registry
from aimi.tenants.interview_models import ROLES, Interview, Question, QuestionBank, QuestionVersion
from aimi.tenants.models import AuditLog, Job
from aimi.tenants.starter_bank import (
    BANK_NAME,
    StarterBankError,
    load_starter_questions,
    parse_file,
    seed_starter_bank,
    validate_question,
)

JOB_ROLES = [r for r in ROLES if r != "general"]
# A vague answer a nervous student might give to anything: it must never score like a model answer.
VAGUE = ("Honestly I am not fully sure about this. I think it depends on the situation and there are "
         "many factors. I would try my best and learn more about it.")
MIN_POINTS_COVERED = 0.6
MIN_GAP = 10.0  # points by which a weak answer must trail its question's reference answer


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return load_starter_questions()


def test_every_role_and_difficulty_has_at_least_five_technical_questions(questions):
    counts = Counter((q["role"], q["difficulty"]) for q in questions if q["type"] == "technical")
    for role in JOB_ROLES:
        for difficulty in ("easy", "medium", "hard"):
            assert counts[role, difficulty] >= 5, (role, difficulty)
    assert all(q["type"] == "technical" for q in questions if q["role"] in JOB_ROLES)


def test_thirty_general_questions_mix_hr_and_star_behavioural(questions):
    general = [q for q in questions if q["role"] == "general"]
    assert len(general) >= 30
    kinds = Counter(q["type"] for q in general)
    assert kinds["hr"] >= 10 and kinds["behavioural"] >= 10
    star_openings = ("tell me about a time", "describe a time", "describe a situation", "give an example",
                     "describe the most")
    for q in general:
        if q["type"] == "behavioural":
            assert q["text"].lower().startswith(star_openings), q["text"]


def test_every_entry_is_complete(questions):
    assert len({q["text"] for q in questions}) == len(questions)
    for q in questions:
        assert q["role"] in ROLES and q["text"].endswith(("?", ".")), q["text"]
        assert 1 <= len(q["reference_answers"]) <= 2
        assert all(60 <= len(r.split()) <= 150 for r in q["reference_answers"]), q["text"]
        assert 3 <= len(q["rubric"]) <= 5 and 4 <= len(q["keywords"]) <= 8 and q["tags"]
        assert 90 <= q["time_limit_seconds"] <= 300
        # As the question editor stores them: lower-case tags, no "|" (the CSV export's separator).
        assert all(t == t.lower() for t in q["tags"]), q["tags"]
        assert not any("|" in item for name in ("reference_answers", "rubric", "keywords", "tags")
                       for item in q[name]), q["text"]


def _raw(questions: list[dict]) -> dict:
    """A stored entry (no role: the file gives it) built from a loaded question."""
    return {k: copy.deepcopy(v) for k, v in questions[0].items() if k != "role"}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("type", "quiz", "unknown type"),
    ("type", "hr", "does not belong to role"),
    ("difficulty", "extreme", "unknown difficulty"),
    ("text", "  ", "text must not be empty"),
    ("rubric", ["only one point"], "rubric must have 3 to 5"),
    ("keywords", ["a", "", "c", "d"], "keywords must be a list of non-empty strings"),
    ("reference_answers", ["Too short to teach anything."], "write 60 to 150"),
    ("time_limit_seconds", 30, "time_limit_seconds must be an integer from 90 to 300"),
    ("tags", [], "tags must not be empty"),
])
def test_a_bad_entry_is_refused_with_a_clear_message(questions, field, value, message):
    raw = _raw(questions)
    raw[field] = value
    with pytest.raises(ValueError, match=message):
        validate_question(raw, "software-engineer")


def test_a_bad_file_names_the_file_and_the_question(questions):
    raw = _raw(questions)
    del raw["keywords"]
    with pytest.raises(StarterBankError, match=r"x\.json, question 2: missing fields \['keywords'\]"):
        parse_file("x.json", {"role": "software-engineer", "questions": [_raw(questions), raw]})
    with pytest.raises(StarterBankError, match="known role"):
        parse_file("x.json", {"role": "astronaut", "questions": []})


def _score(question: dict, answer: str, options: dict | None = None):
    # A company question's reference answers are about the example company "Ledgerly".
    company = "Ledgerly" if COMPANY_PLACEHOLDER in question["text"] else ""
    return score(
        AnswerInput(id="starter", question=question["text"].replace(COMPANY_PLACEHOLDER, company),
                    answer=answer, reference_answers=tuple(question["reference_answers"]),
                    rubric=tuple(question["rubric"]), keywords=tuple(question["keywords"]),
                    type=question["type"], company=company),
        states=default_states(options or {}),
    )


def _check_quality(question: dict, options: dict | None = None) -> None:
    """Each reference answer covers its own rubric points; a vague answer and a one-sentence
    answer (the reference's first sentence) both score clearly lower."""
    first_sentence = next(load_pipeline()(question["reference_answers"][0]).sents).text
    weak = [_score(question, VAGUE, options).overall, _score(question, first_sentence, options).overall]
    for reference in question["reference_answers"]:
        report = _score(question, reference, options)
        covered = report.dimensions["content"].evidence["points_covered"]
        share = len(covered) / len(question["rubric"])
        assert share >= MIN_POINTS_COVERED, (question["text"], [p["point"] for p in covered])
        assert all(report.overall - w >= MIN_GAP for w in weak), (question["text"], report.overall, weak)


def test_the_scorer_recognises_every_reference_answer(questions):
    # Lexical similarity keeps this under a few seconds for all questions: sentence embeddings
    # cost ~0.3 s per new text on a CPU, and rubric coverage does not depend on them.
    for question in questions:
        _check_quality(question, {"content": {"similarity_method": "lexical"}})


def test_the_default_scorer_agrees_on_one_question_per_role(questions):
    sample = {q["role"]: q for q in reversed(questions)}  # the first question of each role
    for question in sample.values():
        _check_quality(question)


def _bank_counts(session, bank_id: int) -> Counter:
    rows = session.execute(
        select(QuestionVersion.role, QuestionVersion.difficulty, func.count())
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.bank_id == bank_id).group_by(QuestionVersion.role, QuestionVersion.difficulty)
    )
    return Counter({(role, difficulty): n for role, difficulty, n in rows})


def _expected_counts(questions: list[dict]) -> Counter:
    return Counter((q["role"], q["difficulty"]) for q in questions)


def test_a_new_tenant_starts_with_the_starter_bank(world, questions):
    ref = world.new_tenant(f"starter-{uuid.uuid4().hex[:8]}")
    with tenant_scope(ref):
        session = tenant_session()
        bank = session.scalar(select(QuestionBank).where(QuestionBank.name == BANK_NAME))
        assert bank is not None and bank.created_by is None
        assert _bank_counts(session, bank.id) == _expected_counts(questions)
        version = session.scalar(
            select(QuestionVersion).join(Question).where(Question.bank_id == bank.id,
                                                         QuestionVersion.text == questions[0]["text"]))
        assert version.version == 1 and version.question.current_version == 1
        assert version.question.retired_at is None
        assert version.rubric == questions[0]["rubric"]
        assert version.reference_answers == questions[0]["reference_answers"]
        assert session.scalar(select(func.count()).select_from(AuditLog)
                              .where(AuditLog.action == "question_bank.seeded")) == 1


def test_seeding_twice_does_not_duplicate(world, questions):
    with tenant_scope(registry.by_slug("alpha")):
        session = tenant_session()
        first = session.scalar(select(QuestionBank).where(QuestionBank.name == BANK_NAME))
        again = seed_starter_bank(session)
        session.commit()
        assert again.id == first.id
        assert session.scalar(select(func.count()).select_from(QuestionBank)
                              .where(QuestionBank.name == BANK_NAME)) == 1
        assert _bank_counts(session, first.id) == _expected_counts(questions)


def _drop_starter_bank(session) -> None:
    # The demo's history asked the bank's questions; its scoring jobs go too, or SQLite's
    # reused answer ids would find them done when the history is seeded again.
    session.execute(delete(Interview))
    session.execute(delete(Job))
    bank_id = session.scalar(select(QuestionBank.id).where(QuestionBank.name == BANK_NAME))
    question_ids = select(Question.id).where(Question.bank_id == bank_id)
    session.execute(delete(QuestionVersion).where(QuestionVersion.question_id.in_(question_ids)))
    session.execute(delete(Question).where(Question.bank_id == bank_id))
    session.execute(delete(QuestionBank).where(QuestionBank.id == bank_id))
    session.commit()


def test_seed_demo_adds_the_bank_only_when_the_demo_tenant_has_none(world, questions):
    hasher = world.hasher()
    with world.app.app_context():  # the demo's super-admin is hashed with the app's settings
        list(demo.seed_demo(hasher))  # creates tenant demo (with its bank) or finds it
        with tenant_scope(registry.by_slug("demo")):
            _drop_starter_bank(tenant_session())
        assert "starter question bank added to tenant demo" in list(demo.seed_demo(hasher))
        assert "starter question bank added to tenant demo" not in list(demo.seed_demo(hasher))
    with tenant_scope(registry.by_slug("demo")):
        session = tenant_session()
        banks = session.scalars(select(QuestionBank).where(QuestionBank.name == BANK_NAME)).all()
        assert len(banks) == 1
        assert _bank_counts(session, banks[0].id) == _expected_counts(questions)

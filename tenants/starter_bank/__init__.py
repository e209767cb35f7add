"""The starter question bank every new tenant gets, so a college can practise on day one.

The questions live as JSON, one file per role (``<role>.json``: ``{"role", "questions"}``);
they are validated when loaded, so a bad edit to the data fails loudly in tests and at
provisioning instead of reaching a student.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aimi.evaluators import criteria
from aimi.tenants import audit
from aimi.tenants.interview_models import (
    DIFFICULTIES,
    QUESTION_TYPES,
    ROLES,
    Question,
    QuestionBank,
    QuestionVersion,
)

BANK_NAME = "Starter bank"
BANK_DESCRIPTION = ("Questions written for aimi: every role at every difficulty, plus HR and "
                    "behavioural questions. Edit or retire them like any other question.")
REFERENCE_ANSWERS = (1, 2)
REFERENCE_WORDS = (60, 150)
RUBRIC_POINTS = (3, 5)
KEYWORDS = (4, 8)
TIME_LIMIT_SECONDS = (90, 300)
FIELDS = ("text", "type", "difficulty", "reference_answers", "rubric", "keywords", "tags",
          "time_limit_seconds")


class StarterBankError(ValueError):
    """A starter question is malformed; the message names the file, the question and the field."""


def _strings(value: Any, name: str, bounds: tuple[int, int] | None = None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{name} must be a list of non-empty strings")
    if bounds and not bounds[0] <= len(value) <= bounds[1]:
        raise ValueError(f"{name} must have {bounds[0]} to {bounds[1]} entries, not {len(value)}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    return [v.strip() for v in value]


def validate_question(raw: Any, role: str) -> dict[str, Any]:
    """One question as stored, checked field by field; ValueError says what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError("a question must be an object")
    missing = [f for f in FIELDS if f not in raw]
    unknown = sorted(set(raw) - set(FIELDS))
    if missing or unknown:
        raise ValueError(f"missing fields {missing}, unknown fields {unknown}")
    if not isinstance(raw["text"], str) or not raw["text"].strip():
        raise ValueError("text must not be empty")
    if raw["type"] not in QUESTION_TYPES:
        raise ValueError(f"unknown type {raw['type']!r}")
    if raw["difficulty"] not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {raw['difficulty']!r}")
    if (role == "general") != (raw["type"] in ("hr", "behavioural")):
        raise ValueError(f"type {raw['type']!r} does not belong to role {role!r}")
    limit = raw["time_limit_seconds"]
    if isinstance(limit, bool) or not isinstance(limit, int) or not (
            TIME_LIMIT_SECONDS[0] <= limit <= TIME_LIMIT_SECONDS[1]):
        raise ValueError(f"time_limit_seconds must be an integer from {TIME_LIMIT_SECONDS[0]} to "
                         f"{TIME_LIMIT_SECONDS[1]}")
    rubric = _strings(raw["rubric"], "rubric", RUBRIC_POINTS)
    if raw["type"] in criteria.CRITERIA_TYPES and (unknown := criteria.unknown_items(rubric)):
        raise ValueError(f"an HR or behavioural rubric must name criteria, not {unknown[0]!r}")
    references = _strings(raw["reference_answers"], "reference_answers", REFERENCE_ANSWERS)
    for reference in references:
        words = len(reference.split())
        if not REFERENCE_WORDS[0] <= words <= REFERENCE_WORDS[1]:
            raise ValueError(f"a reference answer has {words} words; write {REFERENCE_WORDS[0]} to "
                             f"{REFERENCE_WORDS[1]}")
    return {
        "text": raw["text"].strip(), "role": role, "type": raw["type"], "difficulty": raw["difficulty"],
        "reference_answers": references,
        "rubric": rubric,
        "keywords": _strings(raw["keywords"], "keywords", KEYWORDS),
        "tags": _strings(raw["tags"], "tags"),
        "time_limit_seconds": limit,
    }


def parse_file(name: str, data: Any) -> list[dict[str, Any]]:
    """The validated questions of one data file; StarterBankError names the file and question."""
    if not (isinstance(data, dict) and data.get("role") in ROLES and isinstance(data.get("questions"), list)):
        raise StarterBankError(f"{name}: expected {{'role': <known role>, 'questions': [...]}}")
    questions = []
    for index, raw in enumerate(data["questions"], 1):
        try:
            questions.append(validate_question(raw, data["role"]))
        except ValueError as exc:
            raise StarterBankError(f"{name}, question {index}: {exc}") from exc
    return questions


def load_starter_questions() -> list[dict[str, Any]]:
    """Every starter question, validated, in file then file order; duplicates are refused."""
    questions: list[dict[str, Any]] = []
    files = sorted((f for f in resources.files(__name__).iterdir() if f.name.endswith(".json")),
                   key=lambda f: f.name)
    for file in files:
        questions.extend(parse_file(file.name, json.loads(file.read_text(encoding="utf-8"))))
    seen: set[str] = set()
    for question in questions:
        key = question["text"].casefold()
        if key in seen:
            raise StarterBankError(f"duplicate starter question: {question['text']!r}")
        seen.add(key)
    return questions


def seed_starter_bank(session: Session, actor: Any = None) -> QuestionBank:
    """Add the starter bank to the current tenant unless a bank of that name exists (then
    return it untouched). Flushes but does not commit: the caller owns the transaction."""
    existing = session.scalar(select(QuestionBank).where(QuestionBank.name == BANK_NAME))
    if existing is not None:
        return existing
    actor_id = getattr(actor, "id", None)
    bank = QuestionBank(name=BANK_NAME, description=BANK_DESCRIPTION, created_by=actor_id)
    session.add(bank)
    session.flush()
    questions = load_starter_questions()
    session.add_all(
        Question(bank_id=bank.id, current_version=1, created_by=actor_id,
                 versions=[QuestionVersion(version=1, created_by=actor_id, **q)])
        for q in questions
    )
    session.flush()
    audit.record(session, "question_bank.seeded", actor=actor, target_type="question_bank",
                 target_id=str(bank.id), details={"name": BANK_NAME, "questions": len(questions)})
    return bank

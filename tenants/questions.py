"""Question banks: create, edit (a new version per edit), retire, search, import and export.

Web pages, imports and any later API go through these functions so the rules live in one
place. An edit never changes a stored version: it adds one and moves ``current_version``,
so an interview keeps the exact question it asked. Functions stage changes in the
session and audit them; callers commit once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, select
from sqlalchemy.orm import Session

from aimi.evaluators import criteria
from aimi.platform.spreadsheet import read_cell, safe_cell
from aimi.platform.timeutil import utcnow
from aimi.tenants import audit
from aimi.tenants.interview_models import (
    DIFFICULTIES,
    QUESTION_TYPES,
    ROLES,
    InterviewAnswer,
    Question,
    QuestionBank,
    QuestionVersion,
)

FIELDS = ("text", "role", "type", "difficulty", "reference_answers", "rubric", "keywords", "tags",
          "time_limit_seconds")
REQUIRED_COLUMNS = ("text", "role", "type", "difficulty")
# Longest item of each list field (the try-it API accepts the same sizes).
LIST_FIELDS = {"reference_answers": 20000, "rubric": 500, "keywords": 100, "tags": 40}
MAX_LIST_ITEMS = 50
MAX_TEXT = 2000
MAX_BANK_NAME = 120
MAX_DESCRIPTION = 1000
TIME_LIMIT_RANGE = (30, 1800)
DEFAULT_TIME_LIMIT = 180
MAX_IMPORT_ROWS = 5000
CSV_SEPARATOR = " | "
CRITERIA_NAMES = "; ".join(c.label for c in criteria.CRITERIA.values())


class QuestionError(ValueError):
    """Input a bank or question cannot take; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        self.errors = {"": [errors]} if isinstance(errors, str) else errors
        super().__init__("; ".join(
            (f"{name}: " if name else "") + " ".join(messages) for name, messages in self.errors.items()))


# -- Validation -----------------------------------------------------------------------------


def _choice(value: Any, allowed: Mapping[str, str] | Iterable[str], what: str) -> str:
    options = dict(allowed) if isinstance(allowed, Mapping) else {a: a for a in allowed}
    text = str(value or "").strip().lower()
    for slug, label in options.items():
        if text in (slug, label.lower()):
            return slug
    if not text:
        raise ValueError(f"Choose a {what}: {', '.join(options)}.")
    raise ValueError(f"Unknown {what} {str(value).strip()!r}; use one of {', '.join(options)}.")


def _items(value: Any, name: str) -> list[str]:
    """A list field from a list, or from text with one item per line."""
    raw = value.splitlines() if isinstance(value, str) else value
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ValueError("Give a list of texts.")
    items = list(dict.fromkeys(v.strip() for v in raw if v.strip()))
    if name == "tags":
        items = list(dict.fromkeys(v.lower() for v in items))
    longest = LIST_FIELDS[name]
    if len(items) > MAX_LIST_ITEMS:
        raise ValueError(f"Give at most {MAX_LIST_ITEMS} entries, not {len(items)}.")
    for item in items:
        if len(item) > longest:
            raise ValueError(f"Each entry must be at most {longest} characters; one has {len(item)}.")
        if "|" in item:
            raise ValueError("An entry must not contain '|' (it separates entries in CSV files): "
                             f"{item[:40]!r}.")
    return items


def _time_limit(value: Any) -> int:
    low, high = TIME_LIMIT_RANGE
    text = "" if value is None else str(value).strip()
    if not text:
        return DEFAULT_TIME_LIMIT
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,6}", text):
        raise ValueError(f"The time limit must be a whole number of seconds from {low} to {high}, "
                         f"not {text[:20]!r}.")
    seconds = int(text)
    if not low <= seconds <= high:
        raise ValueError(f"The time limit must be from {low} to {high} seconds, not {seconds}.")
    return seconds


def validate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The question's fields, cleaned (lists from lists or lines), or ``QuestionError``
    naming every bad field at once."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    text = str(raw.get("text") or "").strip()
    if not text:
        errors["text"] = ["Write the question."]
    elif len(text) > MAX_TEXT:
        errors["text"] = [f"The question must be at most {MAX_TEXT} characters, not {len(text)}."]
    clean["text"] = text
    checks = {
        "role": lambda v: _choice(v, ROLES, "role"),
        "type": lambda v: _choice(v, QUESTION_TYPES, "type"),
        "difficulty": lambda v: _choice(v, DIFFICULTIES, "difficulty"),
        **{name: (lambda v, n=name: _items(v, n)) for name in LIST_FIELDS},
        "time_limit_seconds": _time_limit,
    }
    for name, check in checks.items():
        try:
            clean[name] = check(raw.get(name))
        except ValueError as exc:
            errors[name] = [str(exc)]
    unknown = criteria.unknown_items(clean.get("rubric") or [])
    if "rubric" not in errors and clean.get("type") in criteria.CRITERIA_TYPES and unknown:
        errors["rubric"] = [f"HR and behavioural answers are judged on criteria, not on points of a "
                            f"model story: give one criterion per line from: {CRITERIA_NAMES}. "
                            f"Not a criterion: {unknown[0][:60]!r}."]
    if not errors and not clean["reference_answers"] and not clean["rubric"]:
        errors["reference_answers"] = ["Give at least one reference answer or rubric point, so the "
                                       "scorer knows what a good answer covers."]
    if errors:
        raise QuestionError(errors)
    return clean


def fields_of(version: QuestionVersion) -> dict[str, Any]:
    """A version's fields in the shape ``validate`` returns (for the editor and exports)."""
    return {name: getattr(version, name) for name in FIELDS}


# -- Banks and questions --------------------------------------------------------------------


def create_bank(session: Session, name: str, description: str = "", *, actor=None,
                ip: str | None = None) -> QuestionBank:
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise QuestionError({"name": ["Give the bank a name."]})
    if len(name) > MAX_BANK_NAME:
        raise QuestionError({"name": [f"The name must be at most {MAX_BANK_NAME} characters."]})
    if len(description) > MAX_DESCRIPTION:
        raise QuestionError({"description": [
            f"The description must be at most {MAX_DESCRIPTION} characters."]})
    if session.scalar(select(QuestionBank.id).where(func.lower(QuestionBank.name) == name.lower())):
        raise QuestionError({"name": [f"There is already a bank named {name!r}; choose another name."]})
    bank = QuestionBank(name=name, description=description, created_by=getattr(actor, "id", None))
    session.add(bank)
    session.flush()
    audit.record(session, "question_bank.created", actor=actor, ip=ip, target_type="question_bank",
                 target_id=bank.id, details={"name": name})
    return bank


def _check_not_duplicate(session: Session, bank_id: int, text: str, question_id: int | None = None) -> None:
    stmt = current().where(Question.bank_id == bank_id, Question.retired_at.is_(None),
                           func.lower(QuestionVersion.text) == text.lower())
    if question_id is not None:
        stmt = stmt.where(Question.id != question_id)
    if session.execute(stmt.limit(1)).first():
        raise QuestionError({"text": ["This bank already has a question with this text."]})


def create_question(session: Session, bank: QuestionBank, raw: Mapping[str, Any], *, actor=None,
                    ip: str | None = None, source: str = "editor") -> Question:
    """A new question at version 1."""
    data = validate(raw)
    _check_not_duplicate(session, bank.id, data["text"])
    author = getattr(actor, "id", None)
    question = Question(bank_id=bank.id, current_version=1, created_by=author,
                        versions=[QuestionVersion(version=1, created_by=author, **data)])
    session.add(question)
    session.flush()
    audit.record(session, "question.created", actor=actor, ip=ip, target_type="question",
                 target_id=question.id, details={"bank_id": bank.id, "version": 1, "source": source})
    return question


def edit_question(session: Session, question: Question, raw: Mapping[str, Any], *,
                  base_version: int | None = None, actor=None,
                  ip: str | None = None) -> QuestionVersion | None:
    """Add a version with the edited fields and make it current (``None`` when nothing
    changed). ``base_version`` is the version the editor started from: when someone saved
    another one meanwhile, the edit is refused instead of silently overwriting theirs."""
    if base_version is not None and base_version != question.current_version:
        raise QuestionError(f"Someone saved version {question.current_version} while you were editing "
                            f"version {base_version}; open the editor again to see their changes.")
    data = validate(raw)
    before = question.latest
    changed = sorted(name for name in FIELDS if getattr(before, name) != data[name])
    if not changed:
        return None
    _check_not_duplicate(session, question.bank_id, data["text"], question.id)
    version = QuestionVersion(version=question.current_version + 1, created_by=getattr(actor, "id", None),
                              **data)
    question.versions.append(version)
    question.current_version = version.version
    session.flush()
    audit.record(session, "question.edited", actor=actor, ip=ip, target_type="question",
                 target_id=question.id, details={"version": version.version, "changed": changed})
    return version


def add_reference(session: Session, question: Question, text: str, *, answer_id: int | None = None,
                  actor=None, ip: str | None = None) -> QuestionVersion:
    """Grow a question's reference answers: a mentor promotes a candidate's answer
    (``answer_id``) or writes one. It is an edit like any other (a new version, so past
    interviews keep what they were asked), audited with where the reference came from."""
    text = (text or "").strip()
    data = fields_of(question.latest)
    if not text:
        raise QuestionError({"reference_answers": ["Write the reference answer."]})
    if text.casefold() in {r.casefold() for r in data["reference_answers"]}:
        raise QuestionError({"reference_answers": [
            "This text is already a reference answer of the question."]})
    grown = {**data, "reference_answers": [*data["reference_answers"], text]}
    version = edit_question(session, question, grown, actor=actor, ip=ip)
    audit.record(session, "question.reference_added", actor=actor, ip=ip, target_type="question",
                 target_id=question.id, details={"version": version.version, "answer_id": answer_id,
                                                 "references": len(version.reference_answers)})
    return version


def set_retired(session: Session, question: Question, retired: bool, *, actor=None,
                ip: str | None = None) -> bool:
    """Retire a question (interviews stop picking it; past ones keep it) or bring it back;
    the flag says whether anything changed."""
    if retired == (question.retired_at is not None):
        return False
    if not retired:
        _check_not_duplicate(session, question.bank_id, question.latest.text, question.id)
    question.retired_at = utcnow() if retired else None
    audit.record(session, "question.retired" if retired else "question.unretired", actor=actor, ip=ip,
                 target_type="question", target_id=question.id, details={"bank_id": question.bank_id})
    return True


# -- Finding --------------------------------------------------------------------------------


def current() -> Select:
    """Rows of (question, its current version)."""
    return select(Question, QuestionVersion).join(QuestionVersion, and_(
        QuestionVersion.question_id == Question.id, QuestionVersion.version == Question.current_version))


def times_asked(session: Session, question: Question) -> dict[int, int]:
    """How many interview answers asked each version of ``question``, by version id
    (versions never asked are absent)."""
    ids = [v.id for v in question.versions]
    return dict(session.execute(
        select(InterviewAnswer.question_version_id, func.count())
        .where(InterviewAnswer.question_version_id.in_(ids))
        .group_by(InterviewAnswer.question_version_id)).all())


_VOCABULARY_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def bank_vocabulary(session: Session) -> frozenset[str]:
    """Every word (lower case) the tenant's current questions use in their text, reference
    answers, rubric points and keywords: the spelling check takes these as known words."""
    rows = session.execute(select(QuestionVersion.text, QuestionVersion.reference_answers,
                                  QuestionVersion.rubric, QuestionVersion.keywords).join(
        Question, and_(QuestionVersion.question_id == Question.id,
                       QuestionVersion.version == Question.current_version)))
    words: set[str] = set()
    for text, *lists in rows:
        for part in (text, *(item for items in lists for item in items or ())):
            words.update(w.lower() for w in _VOCABULARY_WORD.findall(part))
    return frozenset(words)


def _json_needle(value: str) -> str:
    """How ``value`` appears inside a stored JSON list (quotes and escapes included)."""
    return json.dumps(value)


@dataclass
class Filters:
    """What a question list is narrowed to; empty values do not filter."""

    q: str = ""
    role: str = ""
    type: str = ""
    difficulty: str = ""
    tag: str = ""
    bank_id: int | None = None
    include_retired: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], bank_id: int | None = None) -> Filters:
        """Filters from a query string; values that are not choices are ignored."""
        def pick(name: str, allowed: Iterable[str]) -> str:
            value = (args.get(name) or "").strip().lower()
            return value if value in allowed else ""

        return cls(q=(args.get("q") or "").strip()[:100], role=pick("role", ROLES),
                   type=pick("type", QUESTION_TYPES), difficulty=pick("difficulty", DIFFICULTIES),
                   tag=(args.get("tag") or "").strip().lower()[:40], bank_id=bank_id,
                   include_retired=args.get("retired") in ("1", "on", "true"))

    @property
    def active(self) -> bool:
        return bool(self.q or self.role or self.type or self.difficulty or self.tag or self.include_retired)


def search(filters: Filters) -> Select:
    """Rows of (question, current version) matching ``filters``, oldest question first."""
    stmt = current().order_by(Question.id)
    if filters.bank_id is not None:
        stmt = stmt.where(Question.bank_id == filters.bank_id)
    if not filters.include_retired:
        stmt = stmt.where(Question.retired_at.is_(None))
    for name in ("role", "type", "difficulty"):
        if getattr(filters, name):
            stmt = stmt.where(getattr(QuestionVersion, name) == getattr(filters, name))
    if filters.q:
        needle = filters.q.lower()
        stmt = stmt.where(func.lower(QuestionVersion.text).contains(needle, autoescape=True)
                          | func.lower(cast(QuestionVersion.keywords, String)).contains(
                              _json_needle(needle)[1:-1], autoescape=True))
    if filters.tag:
        stmt = stmt.where(cast(QuestionVersion.tags, String).contains(_json_needle(filters.tag),
                                                                      autoescape=True))
    return stmt


def bank_counts(session: Session) -> list[tuple[QuestionBank, int, int]]:
    """Every bank with its number of active and of retired questions, by name."""
    active = func.count(Question.id) - func.count(Question.retired_at)
    rows = session.execute(
        select(QuestionBank, active, func.count(Question.retired_at))
        .outerjoin(Question, Question.bank_id == QuestionBank.id)
        .group_by(QuestionBank.id).order_by(QuestionBank.name))
    return [(bank, int(n_active), int(n_retired)) for bank, n_active, n_retired in rows]


# -- Import and export ----------------------------------------------------------------------


@dataclass
class ImportResult:
    unit: str  # "line" (CSV) or "item" (JSON): what the numbers in ``errors`` count
    created: list[Question] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _text_of(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise QuestionError("The file is not UTF-8 text; save it as UTF-8 and upload it again.") from None
    return data


def parse_csv(data: str | bytes) -> list[tuple[int, dict[str, Any]]]:
    """(line number, fields) per non-empty row; list fields are split at ``|``."""
    reader = csv.DictReader(io.StringIO(_text_of(data)))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise QuestionError(f"The first line must be a header naming the columns; missing "
                            f"{', '.join(missing)} (columns: {', '.join(FIELDS)}).")
    unknown = [h for h in header if h not in FIELDS]
    if unknown:
        raise QuestionError(f"Unknown columns {', '.join(unknown)}; use {', '.join(FIELDS)}.")
    reader.fieldnames = header
    rows, end = [], reader.line_num
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            values = {k: read_cell((v or "").strip()) for k, v in row.items() if k}
            if None in row:
                rows.append((start, {"_error": "this row has more cells than the header has columns"}))
                continue
            if any(values.values()):
                for name in LIST_FIELDS:
                    values[name] = [v for v in values.get(name, "").split("|") if v.strip()]
                rows.append((start, values))
    except csv.Error as exc:
        raise QuestionError(f"Line {reader.line_num} is not valid CSV ({exc}).") from None
    return rows


def parse_json(data: str | bytes) -> list[tuple[int, dict[str, Any]]]:
    """(item number, fields) per question of a JSON list, or of an export's ``questions``."""
    try:
        doc = json.loads(_text_of(data))
    except json.JSONDecodeError as exc:
        raise QuestionError(f"The file is not valid JSON: {exc}.") from None
    except RecursionError:  # Python's parser recurses per level: a 500 otherwise
        raise QuestionError("The file nests lists or objects too deeply to be a question bank.") from None
    items = doc.get("questions") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise QuestionError('Give a list of questions, or an object with a "questions" list (as exported).')
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            rows.append((number, {"_error": "each question must be an object with the question's fields"}))
        elif unknown := sorted(set(item) - set(FIELDS)):
            rows.append((number, {"_error": f"unknown fields {', '.join(unknown)}; use {', '.join(FIELDS)}"}))
        else:
            rows.append((number, item))
    return rows


def import_rows(session: Session, bank: QuestionBank, rows: list[tuple[int, dict[str, Any]]], unit: str, *,
                actor=None, ip: str | None = None) -> ImportResult:
    """Create one question per row, each in a savepoint: a bad row is reported with its
    number and rolled back alone; good rows are kept. The caller commits."""
    result = ImportResult(unit)
    for index, (number, row) in enumerate(rows):
        if index >= MAX_IMPORT_ROWS:
            result.errors.append((number, f"more than {MAX_IMPORT_ROWS} questions; split the file"))
            break
        if "_error" in row:
            result.errors.append((number, row["_error"]))
            continue
        savepoint = session.begin_nested()
        try:
            result.created.append(create_question(session, bank, row, actor=actor, ip=ip, source="import"))
            savepoint.commit()
        except QuestionError as exc:
            savepoint.rollback()
            result.errors.append((number, str(exc)))
    audit.record(session, "questions.imported", actor=actor, ip=ip, target_type="question_bank",
                 target_id=bank.id, details={"created": len(result.created), "errors": len(result.errors)})
    return result


def exported(session: Session, bank: QuestionBank) -> list[dict[str, Any]]:
    """The fields of the bank's active questions (their current versions)."""
    rows = session.execute(search(Filters(bank_id=bank.id)))
    return [fields_of(version) for _question, version in rows]


def dump_csv(items: list[dict[str, Any]]) -> str:
    """Questions as CSV, list fields joined with `` | ``: what ``parse_csv`` reads back."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for item in items:
        writer.writerow([safe_cell(CSV_SEPARATOR.join(item[n]) if n in LIST_FIELDS else item[n])
                         for n in FIELDS])
    return out.getvalue()


def dump_json(name: str, description: str, items: list[dict[str, Any]]) -> str:
    """Questions as JSON, in the shape ``parse_json`` reads back."""
    return json.dumps({"bank": name, "description": description, "questions": items}, indent=2,
                      ensure_ascii=False)

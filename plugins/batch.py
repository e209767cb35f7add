"""`aimi evaluate-batch`: score JSON Lines of answers offline, with no database or tenant,
through the same pipeline as interviews and try-it evaluations (``aimi.plugins.scoring``).

Each input line is one answer; each output line its report, keys sorted so that the same
input always gives byte-identical output. A bad line is reported on stderr with its number
and the reason, and the other lines are still scored.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

import click

from aimi.plugins.scoring import score
from aimi.plugins.types import INTERVIEW_TYPES, AnswerInput

REQUIRED = ("id", "question", "answer")
LISTS = ("reference_answers", "rubric", "keywords")


class BadLine(ValueError):
    """An input line that cannot be scored; the message says why."""


def parse_line(line: str) -> tuple[str | int, AnswerInput]:
    """One JSON Lines record as (its id as given, AnswerInput), or BadLine naming the first
    problem."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise BadLine("expected a JSON object")
    for name in REQUIRED:
        value = record.get(name)
        if value is None:
            raise BadLine(f"missing field '{name}'")
        integer_id = name == "id" and isinstance(value, int) and not isinstance(value, bool)
        if not (isinstance(value, str) or integer_id):
            raise BadLine(f"'{name}' must be a string" + (" or an integer" if name == "id" else ""))
        if isinstance(value, str) and not value.strip():
            raise BadLine(f"'{name}' is empty")
    for name in LISTS:
        value = record.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise BadLine(f"'{name}' must be a list of non-empty strings")
    kind = record.get("type", "technical")
    if kind not in INTERVIEW_TYPES:
        raise BadLine(f"unknown type {kind!r}; use one of: {', '.join(INTERVIEW_TYPES)}")
    return record["id"], AnswerInput(
        id=str(record["id"]), question=record["question"], answer=record["answer"],
        reference_answers=tuple(record.get("reference_answers", ())), rubric=tuple(record.get("rubric", ())),
        keywords=tuple(record.get("keywords", ())), type=kind,
    )


def run_batch(lines: Iterable[str], out: TextIO, err: TextIO) -> tuple[int, int]:
    """Score every line through the one pipeline with the defaults (no tenant); returns
    (scored, failed). Blank lines are skipped."""
    scored = failed = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record_id, answer = parse_line(line)
        except BadLine as exc:
            failed += 1
            err.write(f"line {number}: {exc}\n")
            continue
        record: dict[str, Any] = {"id": record_id, **score(answer).as_dict()}
        out.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
        scored += 1
    return scored, failed


@click.command("evaluate-batch")
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), default="-",
              show_default=True, help="JSON Lines of answers ('-' is stdin).")
@click.option("--output", "output_file", type=click.File("w", encoding="utf-8"), default="-",
              show_default=True, help="Where the reports go, one JSON object a line ('-' is stdout).")
def evaluate_batch(input_file: TextIO, output_file: TextIO) -> None:
    """Score answers offline: JSON Lines in (id, question, answer, and optional
    reference_answers, rubric, keywords, type), one report per line out."""
    scored, failed = run_batch(input_file, output_file, sys.stderr)
    click.echo(f"{scored} answer(s) scored, {failed} line(s) failed", err=True)
    if failed:
        sys.exit(1)

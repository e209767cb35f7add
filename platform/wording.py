"""How figures and codes read on screen, in PDFs and in mail: one place, so a page never
shows "question(s)", a raw code such as "hr", or "67.0" where people read 67."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KIND_LABELS = {"hr": "HR", "technical": "Technical", "mixed": "Mixed", "behavioural": "Behavioural",
               "aptitude": "Aptitude"}


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 question``, ``3 questions`` (``plural_form`` for irregular words)."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def kind_label(code: str | None) -> str:
    """An interview or question type as people write it: "HR", not "hr" or "Hr"."""
    return KIND_LABELS.get(code or "", (code or "").replace("_", " ").capitalize())


def score_text(value: float | None) -> str:
    """A 0-100 score as a whole number, or a dash when there is none."""
    return "—" if value is None else f"{value:.0f}"


def signed(value: float | None) -> str:
    """A change in points: "+12", "-3", "0"."""
    if value is None:
        return "—"
    whole = round(value)
    return f"{whole:+d}" if whole else "0"


def figure(value: float) -> str:
    """Any other number, without a trailing ".0" and to at most two decimals: 1, 0.25."""
    return f"{round(value, 2):g}"


# Audit details: keys whose plain label is not just the key in words.
FIELD_LABELS = {"answer_id": "Answer", "bank_id": "Bank", "candidate_id": "Candidate", "email": "E-mail",
                "evaluation_id": "Evaluation", "ip": "IP address", "url": "URL"}


def field_label(key: object) -> str:
    """A logged key as a label: "answer_id" -> "Answer", "display_name" -> "Display name"."""
    text = str(key)
    return FIELD_LABELS.get(text, text.replace("_", " ").capitalize())


def detail_text(value: Any, nested: bool = False) -> str:
    """A logged value as people read it: none, yes/no, whole numbers without ".0", lists
    joined with commas, a map as "Key: value" parts (in brackets inside another map)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return figure(value)
    if isinstance(value, Mapping):
        parts = [f"{field_label(k)}: {detail_text(v, True)}" if not isinstance(v, Mapping)
                 else f"{field_label(k)} ({detail_text(v, True)})" for k, v in value.items()]
        return (", " if nested else "; ").join(parts) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(detail_text(v, True) for v in value) or "none"
    return str(value)


def detail_lines(details: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """An audit entry's details as (label, text) lines; its "changes" map ({field: [old,
    new]}) gives a line per field, "old → new"."""
    lines = []
    for key, value in (details or {}).items():
        if key == "changes" and isinstance(value, Mapping):
            for name, change in value.items():
                pair = isinstance(change, list | tuple) and len(change) == 2
                text = f"{detail_text(change[0])} → {detail_text(change[1])}" if pair else detail_text(change)
                lines.append((field_label(name), text))
        else:
            lines.append((field_label(key), detail_text(value)))
    return lines

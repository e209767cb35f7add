"""How figures and codes read on screen, in PDFs and in mail: one place, so a page never
shows "question(s)", a raw code such as "hr", or "67.0" where people read 67."""

from __future__ import annotations

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

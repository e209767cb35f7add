"""One report per answer: the dimensions, weighted by interview type into an overall score,
with a short summary, strengths and areas to improve.

``build_report`` is the single place dimensions become a report; ``aimi.plugins.scoring``
is the one pipeline that runs the evaluators and calls it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aimi.plugins.types import INTERVIEW_TYPES, AnswerInput, DimensionScore

DIMENSIONS = ("content", "structure", "language", "delivery", "tone")
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "hr": {"content": 0.25, "structure": 0.25, "language": 0.15, "delivery": 0.15, "tone": 0.20},
    "technical": {"content": 0.50, "structure": 0.20, "language": 0.10, "delivery": 0.10, "tone": 0.10},
    "behavioural": {"content": 0.25, "structure": 0.35, "language": 0.10, "delivery": 0.15, "tone": 0.15},
    "mixed": {"content": 0.35, "structure": 0.25, "language": 0.15, "delivery": 0.10, "tone": 0.15},
}
# A dimension from a third-party plugin that no weight table mentions still counts, lightly.
EXTRA_DIMENSION_WEIGHT = 0.10
# A technical answer whose content scores below this cannot be carried by its form: the other
# dimensions count in proportion (content 25 -> they count half). A fluent wrong answer or a
# well-formed off-topic one then scores low overall, as its content does.
CONTENT_GATE = 50.0
STRENGTH_AT = 75.0
WEAK_BELOW = 60.0
ADVISE_BELOW = 70.0  # every dimension scored under this comes with advice


class WeightsError(ValueError):
    """A tenant's weight override is not usable; the message says which value and why."""


@dataclass(frozen=True)
class Report:
    overall: float | None  # 0-100; None when no dimension could be scored
    dimensions: dict[str, DimensionScore]
    summary: str
    strengths: list[str] = field(default_factory=list)
    areas_to_improve: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "dimensions": {name: d.as_dict() for name, d in self.dimensions.items()},
            "summary": self.summary,
            "strengths": list(self.strengths),
            "areas_to_improve": list(self.areas_to_improve),
        }


def resolve_weights(kind: str, overrides: Mapping[str, Any] | None = None,
                    known: Iterable[str] = DIMENSIONS) -> dict[str, float]:
    """The weights for one interview type: the defaults, with a tenant's overrides (shaped
    ``{type: {dimension: weight}}``) validated and laid over them."""
    if kind not in DEFAULT_WEIGHTS:
        raise WeightsError(f"unknown interview type {kind!r}; use one of: {', '.join(INTERVIEW_TYPES)}")
    validate_weights(overrides or {}, known)
    return {**DEFAULT_WEIGHTS[kind], **{k: float(v) for k, v in (overrides or {}).get(kind, {}).items()}}


def validate_weights(overrides: Mapping[str, Any], known: Iterable[str] = DIMENSIONS) -> None:
    """Refuse what would break or silently distort scoring: unknown types or dimensions,
    negative or non-numeric weights, and a type whose weights would all be zero."""
    names = set(known)
    if not isinstance(overrides, Mapping):
        raise WeightsError("weights must map an interview type to {dimension: weight}")
    for kind, table in overrides.items():
        if kind not in DEFAULT_WEIGHTS:
            raise WeightsError(f"unknown interview type {kind!r}; use one of: {', '.join(INTERVIEW_TYPES)}")
        if not isinstance(table, Mapping):
            raise WeightsError(f"weights for {kind} must map a dimension to a number")
        for name, value in table.items():
            if name not in names:
                raise WeightsError(f"unknown dimension {name!r} in the {kind} weights; "
                                   f"known: {', '.join(sorted(names))}")
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise WeightsError(f"the {kind} weight of {name} must be a number, not {value!r}")
            if value < 0:
                raise WeightsError(f"the {kind} weight of {name} must not be negative")
        merged = {**DEFAULT_WEIGHTS[kind], **table}
        if not any(value > 0 for value in merged.values()):
            raise WeightsError(f"the {kind} weights are all zero: at least one must be above 0")


def build_report(answer: AnswerInput, dimensions: Iterable[DimensionScore],
                 weights: Mapping[str, float] | None = None) -> Report:
    """Combine dimensions into a report. Failed dimensions (score None) are left out of the
    overall and named in the summary; the weights are renormalised over the rest."""
    table = weights if weights is not None else DEFAULT_WEIGHTS.get(answer.type, DEFAULT_WEIGHTS["mixed"])
    by_name = {d.name: d for d in dimensions}
    scored = {n: d for n, d in by_name.items() if d.score is not None}
    total = sum(table.get(n, EXTRA_DIMENSION_WEIGHT) for n in scored)
    gate = content_gate(answer, scored)
    overall = None
    if total > 0:
        weighted = sum(table.get(n, EXTRA_DIMENSION_WEIGHT) * d.score * (1.0 if n == "content" else gate)
                       for n, d in scored.items())
        overall = round(weighted / total, 1)
    failed = sorted(n for n, d in by_name.items() if d.score is None)
    summary = _summary(answer, overall, scored, failed)
    if gate < 1.0 and overall is not None:
        summary += " The content is weak, so the other dimensions count for less."
    return Report(overall, dict(sorted(by_name.items())), summary,
                  _strengths(scored), _areas(scored))


def content_gate(answer: AnswerInput, scored: Mapping[str, DimensionScore]) -> float:
    """How much the dimensions other than content count in a technical answer's overall (0-1)."""
    content = scored.get("content")
    if answer.type != "technical" or content is None:
        return 1.0
    return min(1.0, content.score / CONTENT_GATE)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _summary(answer: AnswerInput, overall: float | None, scored: Mapping[str, DimensionScore],
             failed: Sequence[str]) -> str:
    missing = f" Not scored: {', '.join(failed)} (the evaluator failed)." if failed else ""
    if overall is None:
        return "This answer could not be scored." + missing
    ranked = sorted(scored.items(), key=lambda item: (-item[1].score, item[0]))
    best, worst = ranked[0], ranked[-1]
    kind = "an HR" if answer.type == "hr" else f"a {answer.type}"
    text = f"Overall {overall:.0f}/100 for {kind} answer"
    if len(ranked) > 1:
        text += (f": strongest on {best[0]} ({best[1].score:.0f}), "
                 f"weakest on {worst[0]} ({worst[1].score:.0f}).")
    else:
        text += "."
    return text + missing


def _strengths(scored: Mapping[str, DimensionScore]) -> list[str]:
    ranked = sorted(scored.items(), key=lambda item: (-item[1].score, item[0]))
    return [f"{_label(n)} ({d.score:.0f}/100)" for n, d in ranked if d.score >= STRENGTH_AT]


def _areas(scored: Mapping[str, DimensionScore]) -> list[str]:
    """The weakest dimensions' first suggestion each: below WEAK_BELOW, or else the weakest
    dimension that has advice."""
    ranked = sorted(scored.items(), key=lambda item: (item[1].score, item[0]))
    advised = [(n, d) for n, d in ranked if d.suggestions]
    weak = [(n, d) for n, d in advised if d.score < WEAK_BELOW] or advised[:1]
    return [f"{_label(n)}: {d.suggestions[0]}" for n, d in weak]

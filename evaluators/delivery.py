"""The "delivery" dimension (text for now): filler words and hedges per 100 words.

Interviewers hear "um", "like" and "I think maybe" as uncertainty; counting them per 100
words (not in total) keeps long and short answers comparable. Every occurrence is returned
with its span so the UI can highlight it. The speech issue adds pace and pauses from audio.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aimi.evaluators.textview import Hit, clamp, filler_hits, hedge_hits, per_100, quoted, view
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import AnswerInput, DimensionScore, ScoringContext

NAME = "delivery"
# Points lost per filler / hedge per 100 words: 2 fillers per 100 words costs 14 points.
FILLER_COST = 7.0
HEDGE_COST = 4.0


@hookimpl
def aimi_score_answer(answer: AnswerInput, context: ScoringContext) -> list[DimensionScore]:
    text = view(context.doc)
    fillers = filler_hits(text.text)
    hedges = hedge_hits(text.text)
    filler_rate = per_100(len(fillers), text.word_count)
    hedge_rate = per_100(len(hedges), text.word_count)
    score = clamp(100.0 - FILLER_COST * filler_rate - HEDGE_COST * hedge_rate)
    advice = []
    if fillers:
        advice.append(
            f"You used filler words {len(fillers)} time(s) ({_most_used(fillers)}), {filler_rate:g} per "
            "100 words. A short silent pause sounds more confident than a filler.")
    if hedges:
        advice.append(
            f"Hedges like {_most_used(hedges)} appeared {len(hedges)} time(s). When you know the "
            "answer, say it directly: 'I recommend ...' rather than 'I think maybe ...'.")
    evidence = {
        "words": text.word_count,
        "fillers": _group(fillers, filler_rate),
        "hedges": _group(hedges, hedge_rate),
    }
    return [DimensionScore(NAME, round(score, 1), evidence, tuple(advice), plugin=NAME)]


def _most_used(found: list[Hit]) -> str:
    counts = Counter(h.text.lower() for h in found)
    return quoted(word for word, _ in counts.most_common(3))


def _group(found: list[Hit], rate: float) -> dict[str, Any]:
    counts = Counter(h.text.lower() for h in found)
    return {
        "count": len(found),
        "per_100_words": rate,
        "by_word": dict(counts.most_common()),
        "items": [h.as_dict() for h in found],
    }

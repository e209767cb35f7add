"""An example third-party aimi plugin: one made-up dimension, "enthusiasm".

It counts eager words (and, if the tenant asks, exclamation marks) in the answer and
declares per-tenant options, one of them secret, so the tests can exercise validation.
"""

from __future__ import annotations

from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import AnswerInput, DimensionScore, OptionSpec, ScoringContext

EAGER_WORDS = frozenset({"excited", "love", "passionate", "eager", "thrilled", "enjoy"})


@hookimpl
def aimi_options() -> dict[str, OptionSpec]:
    return {
        "points_per_word": OptionSpec(int, 25, "Points each eager word adds.", min=0, max=100),
        "count": OptionSpec(str, "words", "What counts as enthusiasm.",
                            choices=("words", "words_and_marks")),
        "api_token": OptionSpec(str, "", "Token of the (imaginary) enthusiasm service.", secret=True),
    }


@hookimpl
def aimi_score_answer(answer: AnswerInput, context: ScoringContext) -> list[DimensionScore]:
    eager = [t for t in context.doc if t.lower_ in EAGER_WORDS]
    if context.options["count"] == "words_and_marks":
        eager += [t for t in context.doc if t.text == "!"]
    spans = [[t.idx, t.idx + len(t.text)] for t in eager]
    score = min(100, context.options["points_per_word"] * len(eager))
    advice = () if eager else ("Say what you enjoy about the work, in your own words.",)
    return [DimensionScore("enthusiasm", score, {"eager_words": len(eager), "spans": spans}, advice)]

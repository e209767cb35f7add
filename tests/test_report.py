"""Reports: weights per interview type, tenant overrides, and a failing evaluator that
costs only its own dimension."""

from __future__ import annotations

import pytest

from aimi.evaluators.report import (
    DEFAULT_WEIGHTS,
    WeightsError,
    build_report,
    resolve_weights,
)
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.manager import PluginManager
from aimi.plugins.scoring import default_states, score
from aimi.plugins.settings import PluginState
from aimi.plugins.types import INTERVIEW_TYPES, AnswerInput, DimensionScore

ANSWER = AnswerInput(
    "r1", "Tell me about a time you fixed a hard bug.",
    "Last year our checkout kept timing out. My task was to find out why before the sale. "
    "I added tracing and I found a query without an index. As a result, pages loaded in 200 ms.",
    type="behavioural")


def dims(**scores: float | None) -> list[DimensionScore]:
    return [DimensionScore(name, score, suggestions=(f"Improve {name}.",)) for name, score in scores.items()]


def test_every_type_has_weights_for_every_builtin_dimension():
    assert set(DEFAULT_WEIGHTS) == set(INTERVIEW_TYPES)
    for table in DEFAULT_WEIGHTS.values():
        assert set(table) == {"content", "structure", "language", "delivery", "tone"}
        assert sum(table.values()) == pytest.approx(1.0)


def test_overall_follows_the_type_weights():
    scores = dims(content=90, structure=30, language=60, delivery=60, tone=60)
    technical = build_report(AnswerInput("a", "q", "x", type="technical"), scores)
    behavioural = build_report(AnswerInput("a", "q", "x", type="behavioural"), scores)
    # Technical answers weigh content most, behavioural ones structure.
    assert technical.overall == 0.5 * 90 + 0.2 * 30 + 0.3 * 60
    assert behavioural.overall == round(0.25 * 90 + 0.35 * 30 + 0.4 * 60, 1)
    assert technical.overall > behavioural.overall
    assert technical.strengths == ["Content (90/100)"]
    assert technical.areas_to_improve == ["Structure: Improve structure."]
    assert "strongest on content (90)" in technical.summary
    assert "weakest on structure (30)" in technical.summary


def test_tenant_override_changes_the_overall():
    scores = dims(content=100, structure=0, language=0, delivery=0, tone=0)
    weights = resolve_weights("technical", {"technical": {"content": 1, "structure": 0, "language": 0,
                                                          "delivery": 0, "tone": 0}})
    assert build_report(AnswerInput("a", "q", "x"), scores, weights).overall == 100
    # Types without an override keep their defaults.
    assert resolve_weights("hr", {"technical": {"content": 1}}) == DEFAULT_WEIGHTS["hr"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"sales": {"content": 1}}, "unknown interview type 'sales'"),
    ({"hr": {"charisma": 1}}, "unknown dimension 'charisma'"),
    ({"hr": {"tone": -0.5}}, "must not be negative"),
    ({"hr": {"tone": "high"}}, "must be a number"),
    ({"hr": {"tone": True}}, "must be a number"),
    ({"hr": {"tone": float("nan")}}, "must be a number"),
    ({"hr": ["tone"]}, "must map a dimension to a number"),
    ({"hr": {"content": 0, "structure": 0, "language": 0, "delivery": 0, "tone": 0}}, "all zero"),
])
def test_bad_weight_overrides_are_refused_clearly(overrides, message):
    with pytest.raises(WeightsError, match=message):
        resolve_weights("hr", overrides)


def test_plugin_dimensions_can_be_weighted_when_known():
    weights = resolve_weights("hr", {"hr": {"empathy": 0.5}}, known=("content", "empathy"))
    assert weights["empathy"] == 0.5


def test_failed_dimension_is_left_out_and_named():
    report = build_report(ANSWER, dims(content=80, structure=None, tone=60))
    assert report.overall == round((0.25 * 80 + 0.15 * 60) / 0.40, 1)
    assert "Not scored: structure" in report.summary
    assert report.as_dict()["dimensions"]["structure"]["score"] is None


class Broken:
    @hookimpl
    def aimi_score_answer(self, answer, context):
        raise RuntimeError("lexicon missing")


STRUCTURE_TO_TONE = tuple(f"aimi.evaluators.{n}" for n in ("structure", "language", "delivery", "tone"))


def test_a_raising_evaluator_leaves_the_others_in_the_report():
    manager = PluginManager(builtins=STRUCTURE_TO_TONE, entry_points=False)
    manager.register(Broken(), "broken")
    states = default_states({}, manager)
    states["broken"] = PluginState(True)
    report = score(ANSWER, states=states, manager=manager)
    broken = report.dimensions["broken"]
    assert broken.score is None and broken.error == "RuntimeError: lexicon missing"
    assert {n for n, d in report.dimensions.items() if d.score is not None} == {
        "structure", "language", "delivery", "tone"}
    assert report.overall is not None and "Not scored: broken" in report.summary
    data = report.as_dict()
    assert data["dimensions"]["broken"]["error"] == "RuntimeError: lexicon missing"
    assert set(data) == {"overall", "dimensions", "summary", "strengths", "areas_to_improve"}
    assert data["dimensions"]["structure"]["evidence"]["missing"] == []


def test_options_reach_their_own_evaluator():
    mixed = AnswerInput("m", "What is an index?", "An index makes lookups fast because rows are found "
                        "without a scan, for example by email.", type="mixed")
    manager = PluginManager(builtins=("aimi.evaluators.structure",), entry_points=False)
    star = score(mixed, states=default_states({"structure": {"mixed_star_weight": 1.0}}, manager),
                 manager=manager)
    tech = score(mixed, states=default_states({"structure": {"mixed_star_weight": 0.0}}, manager),
                 manager=manager)
    assert star.dimensions["structure"].evidence["star_weight"] == 1.0
    assert tech.dimensions["structure"].evidence["star_weight"] == 0.0
    assert star.overall < tech.overall == 100

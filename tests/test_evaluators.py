"""The structure, language, delivery and tone evaluators: better answers score higher, and
the evidence points at the exact words in the answer."""

from __future__ import annotations

from aimi.evaluators import delivery, language, structure, tone
from aimi.evaluators.nlp import load_pipeline
from aimi.plugins.types import AnswerInput, DimensionScore, ScoringContext

CONFLICT = "Tell me about a time you handled a disagreement in your team."
STAR_ANSWER = (
    "In my final-year project, our team of four could not agree on which database to use. "
    "My task was to get us to a decision before the deadline. "
    "I organised a short meeting, I wrote down the pros and cons of each option, and I asked "
    "everyone to test one query. "
    "As a result, we chose PostgreSQL in one day and finished the project two weeks early."
)
VAGUE_ANSWER = "We talked about it a lot and it was fine in the end I guess."
INDEX_QUESTION = "What is a database index and why is it useful?"
INDEX_ANSWER = (
    "A database index is a separate data structure that keeps the values of a column sorted. "
    "It makes lookups fast because the database can jump to the matching rows instead of "
    "scanning the whole table. For example, an index on users.email turns a login query over "
    "2 million rows into a few page reads."
)


def score(module, text: str, *, question: str = CONFLICT, kind: str = "behavioural",
          references: tuple[str, ...] = (), keywords: tuple[str, ...] = (),
          options: dict | None = None) -> DimensionScore:
    nlp = load_pipeline()
    answer = AnswerInput("t", question, text, reference_answers=references, keywords=keywords, type=kind)
    doc, *refs = nlp.pipe([text, *references])
    [result] = module.aimi_score_answer(answer=answer, context=ScoringContext(
        None, options or {}, nlp, doc, tuple(refs)))
    return result


def assert_spans(text: str, items: list[dict], key: str = "word") -> None:
    assert items
    for item in items:
        start, end = item["span"]
        assert text[start:end] == item[key]


# -- structure --------------------------------------------------------------------------


def test_star_parts_are_found_in_their_sentences():
    result = score(structure, STAR_ANSWER)
    parts = result.evidence["parts"]
    assert result.evidence["missing"] == []
    assert parts["situation"][0]["text"].startswith("In my final-year project")
    assert parts["task"][0]["text"].startswith("My task was")
    assert parts["action"][0]["text"].startswith("I organised")
    assert parts["result"][-1]["text"].startswith("As a result")
    for items in parts.values():
        assert_spans(STAR_ANSWER, items, key="text")
    assert result.evidence["in_order"] and result.evidence["i_statements"]
    assert result.score == 100 and result.suggestions == ()


def test_missing_star_parts_are_suggested():
    text = ("Last year our team had a release that kept failing. I wrote a checklist and I ran "
            "the tests myself every night.")
    result = score(structure, text)
    assert set(result.evidence["missing"]) == {"task", "result"}
    advice = " ".join(result.suggestions)
    assert "what you had to achieve" in advice and "outcome" in advice
    assert score(structure, VAGUE_ANSWER).score < result.score < score(structure, STAR_ANSWER).score


def test_technical_structure_wants_idea_explanation_example():
    full = score(structure, INDEX_ANSWER, question=INDEX_QUESTION, kind="technical")
    assert full.score == 100 and full.evidence["missing"] == []
    assert "because" in full.evidence["parts"]["explanation"]["text"]
    assert full.evidence["parts"]["example"]["text"].startswith("For example")
    bare = score(structure, "Indexes help.", question=INDEX_QUESTION, kind="technical")
    assert bare.score < full.score
    assert set(bare.evidence["missing"]) == {"explanation", "example"}
    assert any("because" in s for s in bare.suggestions)


HASH_QUESTION = "How does a hash map work, and what is the time complexity of its operations?"
HASH_REFERENCE = ("A hash map stores key-value pairs in an array of buckets. A hash function turns each key "
                  "into the index of a bucket, so lookup takes O(1) time on average.")


def test_a_sentence_that_contradicts_the_reference_earns_no_structure():
    """Form over substance: a wrong claim put as idea and example ("O(log n)" where the
    reference says O(1)) is not counted, while the same shape with the right claim is."""
    wrong = "A hash map is a balanced tree, so every lookup takes O(log n)."
    right = "A hash map is an array of buckets, so every lookup takes O(1) on average."
    scored = {text: score(structure, text, question=HASH_QUESTION, kind="technical",
                          references=(HASH_REFERENCE,)) for text in (wrong, right)}
    assert scored[wrong].evidence["contradicting_sentences"] == [0]
    assert scored[wrong].evidence["parts"] == {"idea": None, "explanation": None, "example": None}
    assert scored[right].evidence["contradicting_sentences"] == []
    assert scored[right].score == 100 > scored[wrong].score
    # a consequence after a comma ("..., so ...") is an explanation
    assert scored[right].evidence["parts"]["explanation"]["text"] == right


def test_mixed_structure_weighs_both_frameworks_by_option():
    star_only = score(structure, STAR_ANSWER, kind="mixed", options={"mixed_star_weight": 1.0})
    tech_only = score(structure, STAR_ANSWER, kind="mixed", options={"mixed_star_weight": 0.0})
    half = score(structure, STAR_ANSWER, kind="mixed")
    assert star_only.score == score(structure, STAR_ANSWER).score
    assert half.score == round((star_only.score + tech_only.score) / 2, 1)
    assert set(half.evidence) >= {"star", "technical"}


# -- language ---------------------------------------------------------------------------


def test_spelling_mistakes_are_found_but_given_and_technical_words_are_not():
    text = ("I recieve the requests in the Kubernetes backend and cache them in Redis. "
            "We organised the json api so the frontend could refactor it.")
    result = score(language, text, question="How do you scale an API?", keywords=("Redis",))
    items = result.evidence["spelling"]["items"]
    assert [(i["word"], i["suggestion"]) for i in items] == [("recieve", "receive")]
    assert_spans(text, items)
    assert any("recieve -> receive" in s for s in result.suggestions)


def test_grammar_rules_with_spans():
    text = "i think it was a easy fix. the the team could of done it. He don't care."
    result = score(language, text)
    found = {(i["word"], i["message"].split(":")[0]) for i in result.evidence["grammar"]["items"]}
    words = {w for w, _ in found}
    assert {"i", "a easy", "the the", "could of", "He don't"} <= words
    assert ("the", "Start each sentence with a capital letter.") in found
    assert_spans(text, result.evidence["grammar"]["items"])
    clean = score(language, "It was an easy fix. The team could have done it. He doesn't mind.")
    assert clean.evidence["grammar"]["count"] == 0
    assert clean.score > result.score


def test_readability_and_vocabulary():
    long_winded = ("The thing is that the thing we did was a thing that made the thing better and the "
                   "thing was good and the thing worked and the thing was fast and the thing was "
                   "nice and the thing was done and the thing was shipped and the thing was used")
    varied = ("We profiled the checkout service, found a slow query, added an index and cut the "
              "median response time from 900 to 120 milliseconds. Customers noticed at once.")
    poor, rich = score(language, long_winded), score(language, varied)
    assert rich.evidence["vocabulary"]["type_token_ratio"] > poor.evidence["vocabulary"]["type_token_ratio"]
    top = poor.evidence["vocabulary"]["most_used"][0]
    assert top["word"] == "thing" and top["count"] == 11
    assert all(long_winded[s:e] == "thing" for s, e in top["spans"])
    assert poor.evidence["readability"]["words_per_sentence"] > 25
    assert any("'thing'" in s for s in poor.suggestions)
    assert any("Split long sentences" in s for s in poor.suggestions)
    assert rich.score > poor.score


# -- delivery ---------------------------------------------------------------------------


def test_filler_and_hedge_rates_with_spans():
    text = ("Um, so like, I think we basically kind of rewrote the parser, you know. "
            "I like Python and what kind of tests we wrote mattered.")
    result = score(delivery, text)
    fillers, hedges = result.evidence["fillers"], result.evidence["hedges"]
    # typed text: a hesitation sound and an aside count; "so like," and "basically" here do not
    assert [i["word"] for i in fillers["items"]] == ["Um", "you know"]
    assert [i["word"] for i in hedges["items"]] == ["I think", "kind of"]
    assert_spans(text, fillers["items"])
    assert_spans(text, hedges["items"])
    words = result.evidence["words"]
    assert fillers["per_100_words"] == round(200 / words, 2)
    assert hedges["per_100_words"] == round(200 / words, 2)
    clean = score(delivery, "We rewrote the parser in two weeks and the test suite passed.")
    assert clean.score == 100 and clean.suggestions == ()
    assert result.score < clean.score
    assert any("'um'" in s for s in result.suggestions)


# -- tone -------------------------------------------------------------------------------


def test_vader_sentiment_sign_and_words():
    happy = score(tone, "I loved the project and the team was great; we were proud of the excellent result.")
    sad = score(tone, "It was a terrible project, I hated the team and the result was awful.")
    assert happy.evidence["sentiment"]["compound"] > 0 > sad.evidence["sentiment"]["compound"]
    negative = [w["word"] for w in sad.evidence["sentiment"]["negative_words"]]
    assert negative == ["terrible", "hated", "awful"]
    assert happy.score > sad.score
    assert any("'terrible'" in s for s in sad.suggestions)


def test_negated_words_count_against_their_valence():
    result = score(tone, "The launch was not good.")
    [word] = result.evidence["sentiment"]["negative_words"]
    assert word["word"] == "good" and word["negated"] is True


def test_assertiveness_from_observable_language():
    confident_text = "I decided to split the service. I led the migration and I will own the rollout."
    hedged_text = "Maybe the service was split, I guess. It was probably migrated by someone, I think."
    confident, hedged = score(tone, confident_text), score(tone, hedged_text)
    strong = confident.evidence["assertiveness"]
    weak = hedged.evidence["assertiveness"]
    assert [i["word"] for i in strong["i_statements"]] == ["I decided", "I led"]
    assert_spans(confident_text, strong["confident"])
    assert [h["word"] for h in weak["hedges"]] == ["Maybe", "I guess", "probably", "I think"]
    assert weak["passive_share"] == 1.0
    assert strong["score"] > weak["score"]
    assert confident.score > hedged.score
    assert any("passive" in s for s in hedged.suggestions)


def test_scores_are_deterministic():
    first = [score(m, STAR_ANSWER) for m in (structure, language, delivery, tone)]
    second = [score(m, STAR_ANSWER) for m in (structure, language, delivery, tone)]
    assert first == second


def test_plain_english_explanation_and_example_count():
    plain = ("A thread is one path of work inside a program. That makes threads cheaper to start, "
             "much like adding a cashier to an open shop instead of opening a new shop.")
    found = score(structure, plain, question="What is the difference between a process and a thread?",
                  kind="technical")
    assert found.evidence["missing"] == []
    assert found.evidence["parts"]["explanation"]["text"].startswith("That makes")
    relative = score(structure, "A thread is a unit of work that keeps its own stack.",
                     question="What is a thread?", kind="technical")
    assert "explanation" in relative.evidence["missing"]  # "that keeps" here only says which unit

"""The "tone" dimension: sentiment and assertiveness, from the words on the page only.

Sentiment is VADER's compound score averaged over sentences (its lexicon ships with the
vadersentiment package);
assertiveness weighs hedges against confident statements ("I decided", "I will", "I
recommend") and counts passive sentences. The evidence names the words that moved each
number: nothing here guesses how the candidate felt. Words that VADER reads as negative but
that name technical things ("collision", "worst case", "kill the process", "fail over",
"attack surface", "error rate") are masked before scoring: they describe systems, not mood.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from vaderSentiment.vaderSentiment import NEGATE, SentimentIntensityAnalyzer

from aimi.evaluators.report import ADVISE_BELOW
from aimi.evaluators.textview import Hit, TextView, clamp, hedge_hits, hits, i_actions, phrase_pattern, view
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import AnswerInput, DimensionScore, ScoringContext

NAME = "tone"
CONFIDENT = phrase_pattern([
    "i will", "i'll", "i would recommend", "i recommend", "i am confident", "i'm confident",
    "i am sure", "i'm sure", "i know", "i decided", "i chose", "i led", "i made sure", "definitely",
    "certainly", "clearly", "without doubt", "the best way", "the key", "i can", "i am able",
])
# A form of "to be" followed by a past participle (regular or common irregular), e.g. "was fixed".
PASSIVE = re.compile(
    r"\b(?:is|are|was|were|been|being|be|got)\s+(?:\w+ly\s+)?"
    r"(?:\w+ed|built|done|made|given|taken|written|shown|known|seen|found|told|sent|held|kept|"
    r"chosen|broken|spoken|paid|set|put|run|left|caught|brought|bought|led|lost|won|split|cut|hit)\b",
    re.IGNORECASE)
_NEGATIONS = frozenset(NEGATE) | {"not", "n't"}
TECHNICAL_SENSE = re.compile(
    r"\b(?:collisions?|collid(?:e|es|ed|ing)|worst[\s-]+case|kill(?:s|ed|ing)?|fail(?:s|ed|ing)?[\s-]+"
    r"(?:over|open|closed|fast|safe)|failover|fail-?safe|attacks?|attackers?|abort(?:s|ed)?|crash(?:es|ed)?|"
    r"fatal|panics?|exceptions?|penalty|penalties|loss(?:es)?|miss(?:es)?|dead(?:lock)?s?|"
    r"reject(?:s|ed|ion)?|drop(?:s|ped)?|terminat(?:e|es|ed|ion)|threats?|vulnerab\w*|block(?:s|ed|ing)?|"
    r"errors?|bugs?|leaks?|starv(?:e|es|ed|ation)|stale|overfit\w*|underfit\w*|noise|noisy|bias(?:ed)?|"
    r"cancel(?:s|led|ed)?|denied|deny|poison(?:ed|ing)?|garbage)\b", re.IGNORECASE)
_NEGATION_REACH = 3  # VADER looks this many words back for a negation


@functools.lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@hookimpl
def aimi_score_answer(answer: AnswerInput, context: ScoringContext) -> list[DimensionScore]:
    text = view(context.doc)
    sentiment = _sentiment(text)
    assertiveness = _assertiveness(text)
    score = 0.5 * sentiment["score"] + 0.5 * assertiveness["score"]
    advice = sentiment.pop("advice") + assertiveness.pop("advice")
    if score < ADVISE_BELOW and not advice:
        advice = [_weaker_half_advice(sentiment, assertiveness)]
    evidence = {"sentiment": sentiment, "assertiveness": assertiveness}
    return [DimensionScore(NAME, round(score, 1), evidence, tuple(advice), plugin=NAME)]


def _sentiment(text: TextView) -> dict[str, Any]:
    analyzer = _analyzer()
    lexicon = analyzer.lexicon
    positive, negative = [], []
    words = text.words
    # VADER's own advice for paragraphs: score each sentence and average. It is also much
    # faster (VADER re-reads the whole text for every sentiment word), and a sentence with no
    # lexicon word scores 0 without being run.
    masked = [(m.start(), m.end()) for m in TECHNICAL_SENSE.finditer(text.text)]

    def technical(word: Any) -> bool:
        return any(start <= word.start < end for start, end in masked)

    compounds = [analyzer.polarity_scores(_mask(s.text, s.start, masked))["compound"]
                 if any(w.lower in lexicon and not technical(w) for w in s.words) else 0.0
                 for s in text.sentences]
    compound = sum(compounds) / len(compounds) if compounds else 0.0
    for i, word in enumerate(words):
        valence = lexicon.get(word.lower)
        if not valence or technical(word):
            continue
        negated = any(w.lower in _NEGATIONS for w in words[max(0, i - _NEGATION_REACH):i])
        item = {**Hit(word.text, word.start, word.end).as_dict(), "valence": valence, "negated": negated}
        (positive if (valence > 0) != negated else negative).append(item)
    # Neutral, factual answers are fine (80); positive framing helps, negative framing costs more
    # (but a story about a conflict needs some negative words, so never below 30).
    score = 80.0 + 20.0 * compound if compound >= 0 else 80.0 + 50.0 * compound
    advice = [_negative_advice(negative)] if compound <= -0.3 else []
    return {"compound": round(compound, 3), "positive_words": positive, "negative_words": negative,
            "score": round(clamp(score), 1), "advice": advice}


def _negative_advice(negative: list[dict[str, Any]]) -> str:
    shown = ", ".join(f"'{w['word']}'" for w in negative[:4])
    words = f"Words such as {shown} make" if shown else "Your wording makes"
    return (f"{words} the answer sound negative. Describe problems factually and spend more "
            "words on what you did about them.")


def _weaker_half_advice(sentiment: dict[str, Any], assertiveness: dict[str, Any]) -> str:
    """Advice on whichever half cost the low score when neither gave any of its own: a
    factual answer that never commits to anything loses as much as a gloomy one."""
    if sentiment["score"] < assertiveness["score"]:
        return _negative_advice(sentiment["negative_words"])
    if not (assertiveness["confident"] or assertiveness["i_statements"]):
        return ("No sentence commits to a view or an action. Say what you would choose or did, "
                "and why, in the first person: 'I would use a hash map here because ...', "
                "'I recommend ...', 'I decided ...'.")
    return ("Few sentences sound sure of themselves. Lead with your conclusion and state it "
            "directly ('The best option is ...', 'I would ...'), then give the reasons.")


def _mask(sentence: str, offset: int, spans: list[tuple[int, int]]) -> str:
    """The sentence with technical-sense words blanked (offsets kept)."""
    chars = list(sentence)
    for start, end in spans:
        for i in range(max(start - offset, 0), min(end - offset, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _assertiveness(text: TextView) -> dict[str, Any]:
    hedges = hedge_hits(text.text)
    confident = hits(CONFIDENT, text.text)
    actions = [Hit(text.text[i.start:v.end], i.start, v.end)
               for s in text.sentences for i, v in i_actions(s)]
    passive = [s for s in text.sentences if PASSIVE.search(s.text)]
    sentences = max(1, len(text.sentences))
    passive_share = len(passive) / sentences
    strong = len(confident) + len(actions)
    # Laplace-smoothed share of confident statements among confident + hedged ones.
    ratio = (strong + 1) / (strong + len(hedges) + 2)
    score = clamp(100.0 * ratio + 25.0 * min(strong, 2) / 2 - 30.0 * passive_share)
    advice = []
    if len(hedges) > strong:
        advice.append("You hedge more than you commit. Replace 'I think' or 'maybe' with a direct "
                      "statement when you are sure, and say what you did: 'I decided ...'.")
    if passive_share > 0.3:
        advice.append("Several sentences are passive ('it was fixed'). Say who did it: "
                      "'I fixed it'.")
    return {
        "hedges": [h.as_dict() for h in hedges],
        "confident": [h.as_dict() for h in confident],
        "i_statements": [h.as_dict() for h in actions],
        "passive_sentences": [s.as_dict() for s in passive],
        "passive_share": round(passive_share, 3),
        "score": round(score, 1),
        "advice": advice,
    }

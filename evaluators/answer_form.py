"""Is the answer said in sentences, or is it a list of terms?

A bare list of the right words ("array, linked list, O(1), pointer, ...") names what a
rubric expects without explaining any of it. The share of the answer's words that stand in
sentence-like stretches (between commas, semicolons, bullets and line breaks: at least four
words, one of them a function word such as "is", "the", "because") measures that, once the
answer has at least three short stretches; the content score is scaled by it, so a keyword
list cannot collect the credit of an explanation. A typed answer's delivery and language
are scaled by it too (``fluency_factor``): a list has no flow or grammar to earn full marks on.
"""

from __future__ import annotations

from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

_BREAKS = frozenset({",", ";", "|", "•", "·", "/", "*", "-", "–", "—", "(", ")", "[", "]"})
_LINKS = frozenset({"and", "or"})  # join list items; they do not make a sentence
_FUNCTION_WORDS = frozenset(STOP_WORDS - _LINKS)
MIN_WORDS = 4
MIN_ITEMS = 3
FLOOR = 0.25  # a pure list keeps this share of its content score
LIST_BELOW = 0.5  # prose share under which the answer reads as a list of terms
FLUENCY_FLOOR = 0.5  # ... and this share of its typed delivery and language scores
_CACHE_KEY = "aimi.prose_share"


def _stretches(doc: Any) -> list[tuple[int, int, int, bool]]:
    """The answer cut at list breaks: (start char, end char, words, sentence-like) each; a
    stretch runs from one break to the next, so it holds tokens such as "O(log" too."""
    out: list[tuple[int, int, int, bool]] = []
    words: list[str] = []
    begin = 0

    def close(end: int) -> None:
        if words:
            sentence_like = len(words) >= MIN_WORDS and any(w in _FUNCTION_WORDS for w in words)
            out.append((begin, end, len(words), sentence_like))
        words.clear()

    for sent in doc.sents:
        for token in sent:
            if token.is_space and "\n" in token.text or token.text in _BREAKS or token.is_punct:
                close(token.idx)
                begin = token.idx + len(token)
            elif token.is_alpha or token.like_num:
                words.append(token.lower_)
        close(sent.end_char)
        begin = sent.end_char
    return out


def prose_share(doc: Any) -> float:
    """Share (0-1) of the answer's words that stand in sentence-like stretches. Short stretches
    count against it only when there are at least MIN_ITEMS of them (a list): a short answer
    ("the positive terminal") is terse, not a list. Cached on the Doc: three evaluators ask."""
    cached = doc.user_data.get(_CACHE_KEY)
    if cached is None:
        cached = doc.user_data[_CACHE_KEY] = _prose_share(doc)
    return cached


def _prose_share(doc: Any) -> float:
    stretches = _stretches(doc)
    total = sum(n for _, _, n, _ in stretches)
    short = [n for _, _, n, sentence_like in stretches if not sentence_like]
    if not total:
        return 0.0
    return 1.0 - sum(short) / total if len(short) >= MIN_ITEMS else 1.0


def list_items(doc: Any) -> list[tuple[int, int]]:
    """Character spans of the stretches that are list items, not sentences (none unless there
    are at least MIN_ITEMS of them): where a term is named rather than explained."""
    items = [(start, end) for start, end, _, sentence_like in _stretches(doc) if not sentence_like]
    return items if len(items) >= MIN_ITEMS else []


def form_factor(share: float) -> float:
    """How much of the content score a text with this prose share keeps."""
    return min(1.0, FLOOR + share)


def fluency_factor(share: float) -> float:
    """How much of a typed answer's delivery and language score a text with this prose share
    keeps: a list of terms is not fluent prose, however clean its words are."""
    return FLUENCY_FLOOR + (1.0 - FLUENCY_FLOOR) * share

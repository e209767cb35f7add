"""Content words of a parsed text and how well one text's words are found in another's.

Everything works on the spaCy ``Doc`` the caller already parsed (blank pipeline with
lookup lemmas, or a trained one): content terms keep their lemma, a crude stem (to
match "separation" with "separate"), their character span, sentence and whether a
negation ("not", "no", "n't", ...) governs them, so "not connected" never matches
"connected" (and whether the claim denies the word itself: "no live object can reach it"
denies "object", not "live"). Words are weighed by rarity from a table generated from ``wordfreq``
(``benchmarks/build_word_weights.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from aimi.evaluators import tech_terms
from aimi.evaluators.synonyms import synonyms_of

# spaCy's stop list drops words that carry meaning in an answer ("more", "same", "empty").
_KEEP = {
    "above", "after", "back", "before", "behind", "below", "bottom", "down", "empty", "enough",
    "few", "first", "front", "full", "last", "least", "less", "many", "more", "most", "move",
    "off", "out", "over", "part", "same", "side", "together", "top", "under", "up", "whole",
    "show", "make", "made", "put", "take", "give", "keep", "call", "name", "used", "using",
}
_NUMBERS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "fifteen": "15", "twenty": "20", "forty": "40", "fifty": "50", "sixty": "60", "hundred": "100",
}
NEGATIONS = frozenset({
    "not", "no", "n't", "never", "none", "nothing", "neither", "nor", "without", "cannot", "nobody",
})
STOPWORDS = frozenset((STOP_WORDS - _KEEP) | NEGATIONS | {"'s", "etc", "eg", "ie"})
_SUFFIXES = (
    "ization", "isation", "ational", "fulness", "iveness", "ations", "ation", "ition", "ments",
    "ment", "ness", "ities", "ity", "ical", "ally", "ence", "ance", "ing", "ion", "ive", "ous",
    "ful", "ers", "er", "ed", "ly", "al", "ic", "es", "s", "e", "y",
)
_NEGATION_REACH = 3  # tokens after a cue that the negation can still reach
# Cues that quantify a noun phrase ("no live object", "without a primary key", "no longer
# reachable"): they deny its last word, the head; the words before it only modify it.
_QUANTIFIERS = frozenset({"no", "none", "nothing", "nobody", "neither", "without"})
UNKNOWN_ZIPF = 2.0
MISSPELLING_ZIPF = 3.0  # only a word rarer than this may be a misspelling of another


@dataclass(frozen=True)
class Term:
    """One content word of a text."""

    lemma: str
    stem: str
    start: int
    end: int
    sent: int
    negated: bool  # a negation cue reaches it: it must not match the word asserted
    denied: bool = False  # the claim denies this word itself (what contradicts an assertion)


@functools.lru_cache(maxsize=65536)
def stem(lemma: str) -> str:
    """Strip one common derivational suffix, keeping a stem of at least 4 letters."""
    for suffix in _SUFFIXES:
        if lemma.endswith(suffix) and len(lemma) - len(suffix) >= 4:
            return lemma[: -len(suffix)]
    return lemma


def normalise(token_lemma: str, token_lower: str) -> str:
    lemma = (token_lemma or token_lower).lower()
    return _NUMBERS.get(token_lower, _NUMBERS.get(lemma, lemma))


def _instead_of(token) -> bool:
    """ "instead of X" denies X like "not X" does."""
    return token.lower_ == "instead" and token.i + 1 < len(token.doc) and token.nbor(1).lower_ == "of"


def _lemma(token) -> str | None:
    """The content lemma of a token, or None for a stop word, punctuation or a stray letter."""
    if not (token.is_alpha or token.like_num) or token.lower_ in STOPWORDS:
        return None
    lemma = normalise(token.lemma_, token.lower_)
    if lemma in STOPWORDS or (len(lemma) < 2 and not lemma.isdigit()):
        return None
    return lemma


def _modifies_next(token, sent) -> bool:
    """Whether the next token of the sentence is a content word this one may modify."""
    return token.i + 1 < sent.end and _lemma(token.doc[token.i + 1]) is not None


def terms(doc) -> tuple[Term, ...]:
    """The content terms of a parsed text, in order. A technical token ("O(1)", "n log n",
    "C plus plus") is one term with its canonical form as lemma; its words are not terms."""
    out: list[Term] = []
    spans = list(tech_terms.find(doc.text))
    reach = deny = 0  # tokens the last cue still reaches, for matching and for denial
    quantified = False
    for sent_index, sent in enumerate(doc.sents):
        reach = deny = 0
        for token in sent:
            while spans and spans[0].end <= token.idx:
                spans.pop(0)
            if spans and spans[0].start <= token.idx:
                tech = spans[0]
                if not (out and out[-1].start == tech.start):
                    out.append(Term(tech.term, tech.term, tech.start, tech.end, sent_index, reach > 0,
                                    deny > 0))
                    reach = deny = 0
                continue
            lower = token.lower_
            if lower in ("longer", "more") and token.i > sent.start and token.nbor(-1).lower_ == "no":
                quantified = False  # "no longer reachable", "no more valid": the next word is denied
                continue
            if lower in NEGATIONS or _instead_of(token):
                reach = deny = _NEGATION_REACH
                quantified = lower in _QUANTIFIERS
                continue
            if token.is_punct or token.is_space:
                reach = deny = 0
                continue
            lemma = _lemma(token)
            if lemma is None:
                reach, deny = max(reach - 1, 0), max(deny - 1, 0)
                continue
            modifier = bool(deny) and quantified and _modifies_next(token, sent)
            out.append(Term(lemma, stem(lemma), token.idx, token.idx + len(token), sent_index, reach > 0,
                            deny > 0 and not modifier))
            reach = 0
            deny = deny if modifier else 0
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _zipf_table() -> dict[str, float]:
    text = resources.files("aimi.evaluators").joinpath("data/lemma_zipf.tsv").read_text("utf-8")
    table: dict[str, float] = {}
    for line in text.splitlines():
        lemma, _, zipf = line.partition("\t")
        table[lemma] = float(zipf)
    return table


def zipf(lemma: str) -> float:
    """log10 of the lemma's uses per billion English words (UNKNOWN_ZIPF if unlisted)."""
    return _zipf_table().get(lemma, UNKNOWN_ZIPF)


def weight(lemma: str) -> float:
    """How much a word says: rare words weigh more (about -log10 of its frequency)."""
    if lemma.isdigit():
        return 3.0
    return min(max(8.0 - zipf(lemma), 0.5), 6.0)


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i:] == b[i + 1 :]


# How much a match counts, by kind.
EXACT, STEM, SYNONYM, SPELLING = 1.0, 0.9, 0.85, 0.8
# Negating prefixes, with the endings a base word must have for the prefix to negate it:
# "un" and "non" before adjectives and participles ("unreachable", "unsorted", "non-blocking"),
# "in", "im", "ir", "il" before adjectives only ("invalid", "immutable", "irrelevant"; not
# "improved" or "installed", whose prefix negates nothing).
_ADJECTIVE_ENDINGS = ("able", "ible", "al", "ant", "ent", "ive", "ous", "ic", "id", "ar", "ary", "ful", "ect",
                      "ure")
_NEGATING_PREFIXES = (("non", (*_ADJECTIVE_ENDINGS, "ed", "ing")), ("un", (*_ADJECTIVE_ENDINGS, "ed", "ing")),
                      ("in", _ADJECTIVE_ENDINGS), ("im", _ADJECTIVE_ENDINGS), ("ir", _ADJECTIVE_ENDINGS),
                      ("il", _ADJECTIVE_ENDINGS))
_NOT_NEGATED = frozenset({"united", "unified"})  # "uni-", not "un-"
KNOWN_ZIPF = 2.3  # a base word (or its verb, for a participle) must be this common: a listed word


def _known(word: str) -> bool:
    """Whether ``word`` is a listed English word, a participle read through its verb
    ("sorted" -> "sort", "defined" -> "define", "blocking" -> "block")."""
    forms: tuple[str, ...]
    if word.endswith("ed"):
        forms = (word[:-2], word[:-1], word[:-3] if word[-3:-2] == word[-4:-3] else word[:-2])
    elif word.endswith("ing"):
        forms = (word[:-3], word[:-3] + "e")
    else:
        forms = (word,)
    return any(len(form) >= 3 and zipf(form) >= KNOWN_ZIPF for form in forms)


@functools.lru_cache(maxsize=65536)
def negated_base(lemma: str) -> str | None:
    """The word a negating prefix denies in ``lemma`` ("unreachable" -> "reachable",
    "invalid" -> "valid"), or None when the lemma has no such prefix."""
    if lemma in _NOT_NEGATED:
        return None
    for prefix, endings in _NEGATING_PREFIXES:
        base = lemma[len(prefix):].lstrip("-")
        if lemma.startswith(prefix) and len(base) >= 4 and base.endswith(endings) \
                and _known(base):
            return base
    return None


def _flipped(found: Iterable[Term]) -> list[Term]:
    """Terms read as their base word, so their polarity is the opposite of the prefixed word's."""
    return [replace(t, negated=not t.negated, denied=not t.denied) for t in found]


class TermIndex:
    """The terms of one text, looked up by lemma, stem and synonym."""

    def __init__(self, items: Iterable[Term]) -> None:
        self.terms = tuple(items)
        self.by_lemma: dict[str, list[Term]] = {}
        self.by_stem: dict[str, list[Term]] = {}
        for term in self.terms:
            self.by_lemma.setdefault(term.lemma, []).append(term)
            self.by_stem.setdefault(term.stem, []).append(term)
        self.by_base: dict[str, list[Term]] = {}  # prefixed words by the word they negate
        for lemma, found in self.by_lemma.items():
            base = negated_base(lemma)
            if base:
                self.by_base.setdefault(base, []).extend(found)

    def find(self, lemma: str, stem_: str) -> tuple[float, list[Term]]:
        """Best way ``lemma`` occurs here: (match quality, the matching terms)."""
        if lemma in self.by_lemma:
            return EXACT, self.by_lemma[lemma]
        if stem_ in self.by_stem:
            return STEM, self.by_stem[stem_]
        found = [t for syn in synonyms_of(lemma) for t in self.by_lemma.get(syn, ())]
        if found:
            return SYNONYM, found
        found = self._opposite(lemma)
        if found:
            return STEM, found
        if len(lemma) >= 5 and lemma.isalpha():
            found = [t for other, ts in self.by_lemma.items() if zipf(other) < MISSPELLING_ZIPF
                     and (_one_edit(lemma, other) or _one_edit(stem_, ts[0].stem)) for t in ts]
            if found:
                return SPELLING, found
        return 0.0, []

    def _opposite(self, lemma: str) -> list[Term]:
        """Where the text says ``lemma`` with the opposite polarity: "reachable" in
        "unreachable" (a denied "reachable"), and "unreachable" in "not reachable"."""
        base = negated_base(lemma)
        found = list(self.by_lemma.get(base, ())) if base else []
        return _flipped(found + self.by_base.get(lemma, []))


@functools.lru_cache(maxsize=2048)
def parsed_terms(nlp: Any, text: str) -> tuple[Term, ...]:
    """Terms of a short text the caller did not parse (question, rubric point, keyword)."""
    return terms(nlp(text))


_REFERENCE_TERMS: dict[tuple[int, str], tuple[Term, ...]] = {}


def reference_terms(doc: Any) -> tuple[Term, ...]:
    """Terms of a reference answer, kept across answers to the same question (the pipeline's
    vocabulary is part of the key: lemmas differ between pipelines)."""
    key = (id(doc.vocab), doc.text)
    found = _REFERENCE_TERMS.get(key)
    if found is None:
        if len(_REFERENCE_TERMS) >= 4096:
            _REFERENCE_TERMS.clear()
        found = _REFERENCE_TERMS[key] = terms(doc)
    return found

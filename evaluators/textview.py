"""A cheap, shared view of a parsed answer: its words, sentences and phrase hits.

Every evaluator needs the same word table and sentence spans; building them once per Doc
(cached on the Doc) and matching phrases with precompiled regexes on the raw text keeps
scoring within a small multiple of the spaCy pipeline's own time.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_STOP, LEMMA, LENGTH, SENT_START

_CACHE_KEY = "aimi.textview"
_WORDISH = re.compile(r"\w")


class Word(NamedTuple):
    """One word token: its text, lower case, lemma (lower case) and character span. A named
    tuple, not a frozen dataclass: hundreds are made per answer and tuples are much cheaper."""

    text: str
    lower: str
    lemma: str
    start: int
    end: int
    sent: int
    alpha: bool
    stop: bool


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    start: int
    end: int
    words: tuple[Word, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "span": [self.start, self.end]}


@dataclass(frozen=True, slots=True)
class Hit:
    """A matched word or phrase in the answer, with its character span."""

    text: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        return {"word": self.text, "span": [self.start, self.end]}


@dataclass(frozen=True)
class TextView:
    text: str
    words: tuple[Word, ...]
    sentences: tuple[Sentence, ...]
    sentence_starts: tuple[int, ...]

    @property
    def word_count(self) -> int:
        return len(self.words)

    def sentence_at(self, pos: int) -> int:
        """Index of the sentence holding character ``pos``."""
        return max(0, bisect.bisect_right(self.sentence_starts, pos) - 1)


def view(doc: Any) -> TextView:
    """The word/sentence view of a spaCy Doc, built once and cached on the Doc. Reads token
    attributes in bulk (``Doc.to_array``): creating a Token object per word would cost as
    much as the pipeline itself."""
    cached = doc.user_data.get(_CACHE_KEY)
    if cached is not None:
        return cached
    text = doc.text
    strings = doc.vocab.strings
    rows = doc.to_array([LEMMA, IDX, LENGTH, IS_ALPHA, IS_STOP, IS_PUNCT, IS_SPACE, SENT_START]).tolist()
    starts = [i for i, row in enumerate(rows) if i == 0 or row[7] == 1]
    sentences: list[Sentence] = []
    all_words: list[Word] = []
    ends = [*starts[1:], len(rows)] if rows else []
    for index, (first, stop_at) in enumerate(zip(starts, ends, strict=True)):
        words = []
        end = rows[first][1]
        for lemma, start, length, alpha, stop, punct, space, _ in rows[first:stop_at]:
            if not space:
                end = start + length
            if punct or space:
                continue
            token = text[start:start + length]
            if not alpha and (token[0] == "'" or not _WORDISH.search(token)):
                continue
            words.append(Word(token, token.lower(), strings[lemma].lower(), start, start + length, index,
                              alpha == 1, stop == 1))
        all_words.extend(words)
        begin = rows[first][1]
        sentences.append(Sentence(text[begin:end], begin, end, tuple(words)))
    result = TextView(text, tuple(all_words), tuple(sentences), tuple(s.start for s in sentences))
    doc.user_data[_CACHE_KEY] = result
    return result


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive regex matching any of ``phrases`` as whole words (longest first);
    spaces in a phrase match any run of whitespace."""
    parts = sorted({p.lower() for p in phrases}, key=lambda p: (-len(p), p))
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in parts)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE)


def hits(pattern: re.Pattern[str], text: str) -> list[Hit]:
    return [Hit(m.group(0), m.start(), m.end()) for m in pattern.finditer(text)]


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return max(low, min(high, value))


def per_100(count: int, words: int) -> float:
    return round(100.0 * count / words, 2) if words else 0.0


def quoted(items: Iterable[str], limit: int = 4) -> str:
    """'a', 'b' and 'c' for use in a suggestion."""
    shown = [f"'{item}'" for item in list(dict.fromkeys(items))[:limit]]
    if len(shown) < 2:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


# -- Shared lexicons: delivery counts these, tone weighs them against confident language --

FILLERS = phrase_pattern([
    "um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm", "you know", "i mean", "basically",
    "actually", "literally", "so yeah", "yeah", "you see",
])
# "like" is a filler when set off by commas or opening a sentence, not in "I like Python".
LIKE_FILLER = re.compile(
    r"(?<![\w'])like(?=\s*,)|(?:^|(?<=,\s)|(?<=[.!?]\s))like(?![\w'])"
    r"(?!\s+(?:to|a|an|the|this|that|it|i|we|you|they|he|she|when|how|what)\b)",
    re.IGNORECASE,
)
HEDGES = phrase_pattern([
    "i think", "i guess", "i believe", "i suppose", "i assume", "i feel like", "i would say",
    "i'd say", "maybe", "probably", "perhaps", "possibly", "might", "sort of", "kind of",
    "not sure", "i'm not sure", "hopefully", "somewhat", "more or less", "it seems",
])
# "what kind of database" is a question about kinds, not a hedge.
_KIND_OF_OWNERS = frozenset({
    "what", "this", "that", "these", "those", "a", "the", "any", "some", "which", "one", "same",
    "every", "each", "other", "different", "new", "right", "all", "many", "various", "another",
})
_PREVIOUS_WORD = re.compile(r"(\w+)\W*$")


# Typed text: only true fillers. A hesitation sound (typed "um") is one wherever it stands;
# "you know", "I mean", "like", "basically" and "literally" only as an aside: after a comma and
# before a comma or the sentence's end ("it was, you know, slow", "we fixed it, you know.").
# Elsewhere they mean something in writing ("as you see in the table", "you know the bucket at
# once", "I mean the average case", "basically, two steps"), and "you see", "actually" and
# "yeah" are never counted in typed text.
HESITATIONS = phrase_pattern(["um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm"])
_PARENTHETICAL_FILLER = re.compile(
    r",\s*(you\s+know|i\s+mean|like|basically|literally)(?=\s*(?:[,.!?;]|$))", re.IGNORECASE)


def filler_hits(text: str) -> list[Hit]:
    """Fillers as a recogniser writes speech down (the voice path)."""
    found = hits(FILLERS, text) + hits(LIKE_FILLER, text)
    return sorted(found, key=lambda h: h.start)


def typed_filler_hits(text: str) -> list[Hit]:
    """Fillers in typed text: hesitation sounds, and the phrases above used as an aside."""
    found = hits(HESITATIONS, text) + [Hit(m.group(1), m.start(1), m.end(1))
                                       for m in _PARENTHETICAL_FILLER.finditer(text)]
    return sorted(found, key=lambda h: h.start)


def hedge_hits(text: str) -> list[Hit]:
    found = []
    for hit in hits(HEDGES, text):
        if hit.text.lower().split()[0] in ("kind", "sort"):
            previous = _PREVIOUS_WORD.search(text, max(0, hit.start - 24), hit.start)
            if previous and previous.group(1).lower() in _KIND_OF_OWNERS:
                continue
        found.append(hit)
    return found


_IRREGULAR_PAST_TEXT = """
    was were had did made led took went built wrote found told gave got saw spoke chose began
    brought thought felt kept met ran set sent spent taught understood won lost paid put read
    drove bought caught fought held knew left meant rose sold shot stood struck swam threw woke
    became came forgot overcame undertook withdrew sought split cut hit let shut quit drew grew
"""
_IRREGULAR_PAST = frozenset(_IRREGULAR_PAST_TEXT.split())
# Past forms that describe a state or an opinion rather than something the candidate did.
_NON_ACTION = frozenset({"was", "were", "had", "felt", "thought", "knew", "meant", "seemed",
                         "wanted", "hoped", "liked", "loved", "believed", "guessed", "supposed",
                         "learned", "learnt", "realised", "realized", "noticed"})


def is_past(word: Word) -> bool:
    """Past-tense verb by form: a known irregular, or an '-ed' word whose lemma differs."""
    return word.lower in _IRREGULAR_PAST or (
        word.alpha and word.lower.endswith("ed") and word.lemma != word.lower)


def i_actions(sentence: Sentence) -> list[tuple[Word, Word]]:
    """("I", verb) pairs where the candidate says they did something: "I" followed within two
    words by a past-tense action verb ("I quickly fixed", not "I was" or "I felt")."""
    pairs = []
    words = sentence.words
    for i, word in enumerate(words):
        if word.text != "I":
            continue
        for verb in words[i + 1:i + 3]:
            if is_past(verb) and verb.lower not in _NON_ACTION:
                pairs.append((word, verb))
                break
    return pairs

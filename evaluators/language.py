"""The "language" dimension: spelling, common grammar slips, readability, vocabulary range
and repetition.

Spelling uses pyspellchecker's bundled English word list (offline) and leaves alone what is
not a plain English word: names, technical tokens, every word of the question, its
reference answers, rubric and keywords, every word of the tenant's question banks, and the
tenant's own word list (the ``extra_words`` option). Grammar is a small set of rules that are
right far more often than wrong; a full grammar checker would need a model we cannot ship.
A spoken answer is a transcript: its capitals and punctuation are the recogniser's, not the
candidate's, so it is judged on neither (no capital-letter rules, no sentence-length
readability). A typed answer that is a list of terms keeps only part of its score
(``answer_form.fluency_factor``): clean words in no sentences are not good language.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from spellchecker import SpellChecker

from aimi.evaluators.answer_form import LIST_BELOW, fluency_factor, prose_share
from aimi.evaluators.textview import Hit, TextView, clamp, per_100, quoted, view
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import AnswerInput, DimensionScore, OptionSpec, ScoringContext

NAME = "language"
WEIGHTS = {"spelling": 0.3, "grammar": 0.3, "readability": 0.2, "vocabulary": 0.2}
ERROR_COST = 12.0  # points lost per spelling or grammar error per 100 words
MATTR_WINDOW = 50
# Common technical words missing from the general dictionary (or "corrected" to another word).
_TECH_WORDS_TEXT = """
    api apis async await backend frontend fullstack json yaml xml html css sql nosql mysql
    postgres postgresql mongodb redis kafka docker kubernetes microservice microservices
    refactor refactoring refactored mutex mutexes semaphore hashmap hashtable dict struct enum
    boolean bool int const var func lambda runtime middleware namespace login logout signup
    username dataset datasets config repo repos github gitlab devops url urls http https oauth
    jwt webhook webhooks cron regex frontend ui ux sdk cli gui npm pip cpu gpu ram ssd os
    linux unix javascript typescript java python golang kotlin scala rust django flask react
    angular vue nodejs numpy pandas pytorch tensorflow sklearn todo stakeholder stakeholders
    onboarding offboarding teammate teammates hackathon internship intern interns timeline
    workflow workflows deadline deadlines scalability scalable cacheable caching deduplicate
    serverless multithreading multithreaded goroutine goroutines nullable iterable iterator
    async subclass subclasses superclass polymorphic inheritance getter setter getters setters
    unittest pytest codebase codebases email emails online offline startup startups
    app apps uptime downtime failover webapp webapps frontends backends dataflow hotfix
    rollout rollback timestamp timestamps latencies throughput signup checkout dropdown
"""
TECH_WORDS = frozenset(_TECH_WORDS_TEXT.split())
_WORD = re.compile(r"[A-Za-z]+")
_SYLLABLES = re.compile(r"[aeiouy]+")

_I_RULE = "Write 'I' as a capital letter."
# (pattern, message): each match is one grammar error at the match's span.
_GRAMMAR_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?!(?:that|had)\b)([A-Za-z]+)\s+\1\b", re.IGNORECASE),
     "A word is repeated: remove the second one."),
    (re.compile(r"\b(?i:a)\s+(?!(?:uni|use|usu|uti|ur|eu|one|once|ewe)|an?\b)[aeiou][a-z]*\b"),
     "Use 'an' before a vowel sound: 'an example', not 'a example'."),
    (re.compile(r"\b(?i:an)\s+(?!(?:hour|honest|honou?r|heir))[bcdfgjklmnpqrstvwxyz][a-z]*\b"),
     "Use 'a' before a consonant sound: 'a project', not 'an project'."),
    (re.compile(r"(?<![\w'.])i(?=\s|'m|'ve|'ll|'d)"),
     _I_RULE),
    (re.compile(r"\b(?:could|should|would|must|might)\s+of\b", re.IGNORECASE),
     "Write 'could have' (or 'could've'), not 'could of'."),
    (re.compile(r"\b(?:he|she|it)\s+(?:don't|do not|have been|are|were not)\b", re.IGNORECASE),
     "The verb should agree with 'he', 'she' or 'it': 'it doesn't', 'she has', 'it is'."),
    (re.compile(r"\b(?:they|we|you)\s+(?:is|was|has|doesn't|does not)\b", re.IGNORECASE),
     "The verb should agree with 'they', 'we' or 'you': 'they are', 'we were', 'you have'."),
    (re.compile(r"\bI\s+(?:is|are|has|were)\b"),
     "The verb should agree with 'I': 'I am', 'I have', 'I was'."),
    (re.compile(r"\balot\b", re.IGNORECASE), "Write 'a lot' as two words."),
)
_CAPITAL_ADVICE = "Start each sentence with a capital letter."


@functools.lru_cache(maxsize=1)
def _speller() -> SpellChecker:
    speller = SpellChecker(distance=1)
    speller.word_frequency.load_words(TECH_WORDS)
    return speller


# British spellings of words the (American) dictionary knows: organise, colour, centre, travelled.
_BRITISH = tuple((re.compile(a), b) for a, b in (
    (r"is(e|ed|es|ing|ation|ations)$", r"iz\1"), (r"ys(e|ed|es|ing)$", r"yz\1"), (r"our", "or"),
    (r"tre(s?)$", r"ter\1"), (r"ll(ed|ing|er|ers)$", r"l\1"), (r"ence$", "ense"), (r"ogue$", "og"),
))


@functools.lru_cache(maxsize=8192)
def _correction(word: str) -> str | None:
    """The likely intended word for an unknown one, or None when nothing is close (then the
    word is more likely a term we do not know than a misspelling) or when it is a British
    spelling of a known word."""
    dictionary = _speller().word_frequency.dictionary
    if any(pattern.sub(american, word) in dictionary for pattern, american in _BRITISH):
        return None
    fixed = _speller().correction(word)
    return fixed if fixed and fixed != word else None


@functools.lru_cache(maxsize=16384)
def _syllables(word: str) -> int:
    count = len(_SYLLABLES.findall(word))
    if count > 1 and word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        count -= 1
    return max(1, count)


@hookimpl
def aimi_options() -> dict[str, OptionSpec]:
    return {"extra_words": OptionSpec(
        list, [], "Words spelt right for this college (names, product and course terms): never "
        "flagged as misspellings.")}


@hookimpl
def aimi_score_answer(answer: AnswerInput, context: ScoringContext) -> list[DimensionScore]:
    text = view(context.doc)
    spoken = answer.speech is not None
    extra = {str(w).lower() for w in context.options.get("extra_words", ())}
    known = _given_words(answer, context.reference_docs)
    spelling = _spelling(text, known | context.vocabulary | extra)
    grammar = _grammar(text, spoken)
    readability = _readability(text)
    vocabulary = _vocabulary(text, known)
    words = max(text.word_count, 1)
    parts = {
        "spelling": clamp(100.0 - ERROR_COST * per_100(len(spelling), words)),
        "grammar": clamp(100.0 - ERROR_COST * per_100(len(grammar), words)),
        "readability": readability["score"],
        "vocabulary": vocabulary["score"],
    }
    if spoken:  # sentence lengths of a transcript are where the recogniser put full stops
        del parts["readability"]
        readability = {"advice": [], "skipped": "spoken answer: sentence breaks are the transcriber's"}
    score = sum(WEIGHTS[k] * v for k, v in parts.items()) / sum(WEIGHTS[k] for k in parts)
    advice = []
    share = None
    if not spoken:  # a transcript's commas are the recogniser's too
        share = prose_share(context.doc)
        score *= fluency_factor(share)
        if share < LIST_BELOW:
            advice.append("A list of terms shows no grammar or flow to judge: write the answer in full "
                          "sentences.")
    if spelling:
        fixes = [f"{m['word']} -> {m['suggestion']}" for m in spelling]
        advice.append(f"Check the spelling of {quoted(fixes)}.")
    advice.extend(dict.fromkeys(m["message"] for m in grammar))
    advice.extend(readability.pop("advice"))
    advice.extend(vocabulary.pop("advice"))
    evidence = {
        "subscores": {k: round(v, 1) for k, v in parts.items()},
        "spelling": {"count": len(spelling), "items": spelling},
        "grammar": {"count": len(grammar), "items": grammar},
        "readability": readability,
        "vocabulary": vocabulary,
        **({"prose_share": round(share, 3)} if share is not None else {}),
    }
    return [DimensionScore(NAME, round(score, 1), evidence, tuple(advice), plugin=NAME)]


def _given_words(answer: AnswerInput, reference_docs: Iterable[Any]) -> frozenset[str]:
    """Words the question's author used: never flagged as misspelt, never 'repetition'."""
    words = {w.lower() for t in (answer.question, *answer.rubric, *answer.keywords) for w in _WORD.findall(t)}
    for doc in reference_docs:
        words.update(w.lower for w in view(doc).words)
        words.update(w.lemma for w in view(doc).words)
    return frozenset(words)


def _spelling(text: TextView, known: frozenset[str]) -> list[dict[str, Any]]:
    dictionary = _speller().word_frequency.dictionary
    found = []
    for word in text.words:
        lower = word.lower
        if (not word.alpha or len(lower) < 3 or word.text[0].isupper() or lower in dictionary
                or word.lemma in dictionary or lower in known or word.lemma in known):
            continue
        fixed = _correction(lower)
        if fixed:
            found.append({"word": word.text, "span": [word.start, word.end], "suggestion": fixed})
    return found


def _grammar(text: TextView, spoken: bool = False) -> list[dict[str, Any]]:
    """Rule matches; a spoken answer is not held to capital letters (the transcriber wrote them)."""
    found = [_error(m.group(0), m.start(), m.end(), message)
             for pattern, message in _GRAMMAR_RULES for m in pattern.finditer(text.text)
             if not (spoken and message == _I_RULE)]
    if spoken:
        return sorted(found, key=lambda e: (e["span"][0], e["message"]))
    dictionary = _speller().word_frequency.dictionary
    for sentence in text.sentences:
        first = sentence.words[0] if sentence.words else None
        # Only plain dictionary words: "npm install ..." may start in lower case.
        if first and first.alpha and first.text[0].islower() and first.lower in dictionary \
                and first.text != "i":
            found.append(_error(first.text, first.start, first.end, _CAPITAL_ADVICE))
    return sorted(found, key=lambda e: (e["span"][0], e["message"]))


def _error(word: str, start: int, end: int, message: str) -> dict[str, Any]:
    return {**Hit(word, start, end).as_dict(), "message": message}


def _readability(text: TextView) -> dict[str, Any]:
    """Flesch reading ease (plain English reads at 50-80). Typed answers only: the advice is
    for a reader, since a transcript's sentence breaks are the recogniser's."""
    words = [w.lower for w in text.words if w.alpha]
    sentences = max(1, sum(1 for s in text.sentences if s.words))
    if not words:
        return {"flesch_reading_ease": None, "words_per_sentence": 0, "score": 0.0, "advice": []}
    per_sentence = len(words) / sentences
    syllables = sum(_syllables(w) for w in words) / len(words)
    ease = 206.835 - 1.015 * per_sentence - 84.6 * syllables
    score = 100.0 if ease >= 50 else clamp(100.0 - 2.0 * (50 - ease))
    advice = []
    if per_sentence > 25:
        advice.append(f"Your sentences average {per_sentence:.0f} words. Split long sentences so each "
                      "makes one point; readers lose track after about 20 words.")
    elif ease < 50:
        advice.append("Prefer short, common words where they say the same thing: long words make the "
                      "answer slow to read.")
    return {"flesch_reading_ease": round(ease, 1), "words_per_sentence": round(per_sentence, 1),
            "score": round(score, 1), "advice": advice}


def _mattr(lemmas: list[str]) -> float:
    """Moving-average type/token ratio: unlike the plain ratio, it does not fall with length."""
    if len(lemmas) <= MATTR_WINDOW:
        return len(set(lemmas)) / len(lemmas)
    counts = Counter(lemmas[:MATTR_WINDOW])
    total = len(counts)
    for i in range(MATTR_WINDOW, len(lemmas)):
        new, old = lemmas[i], lemmas[i - MATTR_WINDOW]
        counts[new] += 1
        counts[old] -= 1
        if counts[old] == 0:
            del counts[old]
        total += len(counts)
    return total / ((len(lemmas) - MATTR_WINDOW + 1) * MATTR_WINDOW)


def _vocabulary(text: TextView, known: frozenset[str]) -> dict[str, Any]:
    lemmas = [w.lemma for w in text.words if w.alpha]
    if not lemmas:
        return {"type_token_ratio": None, "most_used": [], "score": 0.0, "advice": []}
    ratio = _mattr(lemmas)
    # A range of 0.45 (plain, repetitive) to 0.75 (varied) maps to 0-100.
    score = clamp((ratio - 0.45) / 0.30 * 100.0)
    content = [w for w in text.words if w.alpha and not w.stop and len(w.lower) > 2]
    counts = Counter(w.lemma for w in content if w.lemma not in known and w.lower not in known)
    most_used = [{"word": lemma, "count": n,
                  "spans": [[w.start, w.end] for w in content if w.lemma == lemma]}
                 for lemma, n in counts.most_common(5) if n >= 2]
    advice = []
    top = most_used[0] if most_used else None
    if top and top["count"] >= 4 and top["count"] / max(len(content), 1) >= 0.06:
        score = clamp(score - 10.0)
        advice.append(f"You used '{top['word']}' {top['count']} times; vary it with a more precise "
                      "word or rephrase.")
    elif score < 50:
        advice.append("Use a wider range of words: name the specific tools, actions and results.")
    return {"type_token_ratio": round(ratio, 3), "most_used": most_used, "score": round(score, 1),
            "advice": advice}

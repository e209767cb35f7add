"""Where the answer says of one thing what the reference says of another.

A comparison question names its alternatives ("an array and a linked list", "mean, median and
mode", "a primary key and a foreign key"). A fluent wrong answer often keeps the reference's
words and swaps their subjects: "a linked list gives O(1) access by index", "the mean is the
most frequent value". Word overlap cannot see that; this check can, without a parser:
- the alternatives are the first content word of each group joined by "and", "or", "vs" or a
  comma in the question;
- every clause (a sentence cut at , ; : and at "but", "while", "whereas") is about the first
  alternative it names, or about the one its sentence was about so far;
- an answer clause about X that says most of what a reference clause says about Y (its
  content words, same polarity, at least two of them, some of them never said of X), and
  clearly more than any reference clause says about X, is a swap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aimi.evaluators.synonyms import synonyms_of
from aimi.evaluators.text_features import Term, TermIndex, parsed_terms, reference_terms, stem, weight

_JOINS = re.compile(r"^\W*(?:and|or|vs\.?|versus|,)\W*(?:(?:a|an|the|what|is|are)\s+)*$", re.I)
_PRONOUN = re.compile(r"\b(?:it|its|they|their|them|this|that|which)\b", re.I)
_CUTS = re.compile(r"[,;:]|\b(?:but|while|whereas|unlike)\b", re.I)
MIN_SAID = 0.6  # share of the other clause's weighted words the answer clause must say
MIN_WORDS = 2  # ... and at least this many of its words
MIN_TELLING = 0.25  # ... some of them words the references never say of the clause's own subject
MARGIN = 0.25  # ... and this much more than it says of any clause about its own subject


@dataclass(frozen=True)
class Swap:
    says: str  # the answer's clause
    reference_says: str  # the reference's clause, naming whose it is
    span: tuple[int, int]  # the answer clause's span
    reference: str  # the reference clause


@dataclass(frozen=True)
class Clause:
    subject: str
    terms: tuple[Term, ...]
    text: str


def alternatives(question_terms: Sequence[Term], question: str) -> frozenset[str]:
    """The first word of each alternative the question joins with and / or / vs (a comma counts
    inside such a list): "a primary key and a foreign key" gives primary and foreign. A word
    that opens a sentence ("Explain mean, ...", "write or describe") is an imperative."""
    items = [t for t in question_terms if not t.lemma.isdigit()]
    joins: list[tuple[int, bool]] = []
    for i, (a, b) in enumerate(zip(items, items[1:], strict=False)):
        match = _JOINS.match(question[a.end:b.start]) if a.sent == b.sent else None
        if match:
            joins.append((i, "," in match.group(0)))
    worded = {i for i, comma in joins if not comma}
    found: set[str] = set()
    for i, comma in joins:
        if (comma and i + 1 not in worded) or i == 0:
            continue  # a lone comma lists nothing; a join after the first word joins verbs
        start = i  # "merge sort and quicksort": the left one starts where its run of words does
        while start > 0 and items[start - 1].sent == items[i].sent \
                and not question[items[start - 1].end:items[start].start].strip():
            start -= 1
        if start < i and not re.split(r"[.?!]", question[:items[start].start])[-1].strip():
            start += 1  # the run opens its sentence: that word is an imperative ("Explain mean")
        found.update((items[start].lemma, items[i + 1].lemma))
    return frozenset(found) if len(found) >= 2 else frozenset()


def _split(items: Sequence[Term], text: str) -> list[tuple[int, list[Term]]]:
    """Clauses as (offset where the clause's text begins, its terms); a new sentence or a cut
    (, ; : but while whereas unlike) starts one."""
    out: list[tuple[int, list[Term]]] = []
    for index, term in enumerate(items):
        previous = items[index - 1] if index else None
        if previous is None or previous.sent != term.sent:
            out.append((-1, [term]))
        elif _CUTS.search(text[previous.end:term.start]):
            out.append((previous.end, [term]))
        else:
            out[-1][1].append(term)
    return out


def clauses(items: Sequence[Term], text: str, subjects: frozenset[str],
            ignored: frozenset[str] = frozenset()) -> list[Clause]:
    """The clauses of a text, each with the alternative it is about: the one it names (the
    first, if it names several within its first two words), else its sentence's so far
    ("..., and they share memory" stays about threads)."""
    by_stem = {stem(s): s for s in subjects}

    def names(term: Term) -> str:
        return term.lemma if term.lemma in subjects else by_stem.get(term.stem, "")

    out: list[Clause] = []
    subject = ""
    for begins, words in _split(items, text):
        if begins < 0:
            subject = ""
        named = [t for t in words if names(t)]
        pronoun = begins >= 0 and named and _PRONOUN.search(text[begins:named[0].start])
        if named and not (pronoun and subject) and \
                (len({names(t) for t in named}) == 1 or words.index(named[0]) < 2):
            subject = names(named[0])
        kept = tuple(t for t in words if not names(t) and t.lemma not in ignored)
        if kept and subject:
            out.append(Clause(subject, kept, text[words[0].start:words[-1].end]))
    return out


def _said(claim: Clause, answer: TermIndex, own_words: frozenset[str]) -> tuple[float, float, int]:
    """Weighted share of the claim's words the answer clause says with the same polarity; the
    share of those the references never say of the clause's own subject; how many words."""
    total = matched = telling = 0.0
    count = 0
    for term in {t.lemma: t for t in claim.terms}.values():
        w = weight(term.lemma)
        total += w
        quality, hits = answer.find(term.lemma, term.stem)
        if any(h.negated == term.negated for h in hits):
            matched += w * quality
            count += 1
            if term.lemma not in own_words and term.stem not in own_words:
                telling += w * quality
    return (matched / total, telling / total, count) if total else (0.0, 0.0, 0)


def reference_clauses(nlp: Any, rubric: Sequence[str], reference_docs: Sequence[Any],
                      subjects: frozenset[str], ignored: frozenset[str]) -> list[Clause]:
    """The clauses of the rubric points and reference answers, with their subjects."""
    out: list[Clause] = []
    for point in rubric:
        out.extend(clauses(parsed_terms(nlp, point), point, subjects, ignored))
    for doc in reference_docs:
        out.extend(clauses(reference_terms(doc), doc.text, subjects, ignored))
    return out


def find(question_terms: Sequence[Term], question: str, answer_terms: Sequence[Term], answer_text: str,
         nlp: Any, rubric: Sequence[str], reference_docs: Sequence[Any]) -> list[Swap]:
    """Answer clauses that say of one alternative what the references say of another."""
    subjects = alternatives(question_terms, question)
    if not subjects:
        return []
    asked = frozenset(t.lemma for t in question_terms)  # the question's words tell nothing apart
    claims = reference_clauses(nlp, rubric, reference_docs, subjects, asked)
    if len({c.subject for c in claims}) < 2:
        return []
    vocabulary: dict[str, set[str]] = {}
    for claim in claims:
        vocabulary.setdefault(claim.subject, set()).update(w for t in claim.terms for w in (t.lemma, t.stem))
    findings = []
    for clause in clauses(answer_terms, answer_text, subjects, asked):
        index = TermIndex(clause.terms)
        near = {w for t in clause.terms for w in (t.lemma, t.stem, *synonyms_of(t.lemma))}
        own_words = frozenset(vocabulary.get(clause.subject, ()))
        best: tuple[float, Clause] | None = None
        for claim in claims:
            if claim.subject == clause.subject or \
                    sum(t.lemma in near or t.stem in near for t in claim.terms) < MIN_WORDS:
                continue  # cheap test first: too few words in common to say the same
            share, telling, count = _said(claim, index, own_words)
            if share >= MIN_SAID and telling >= MIN_TELLING and count >= MIN_WORDS \
                    and (best is None or share > best[0]):
                best = (share, claim)
        if best and best[0] >= MARGIN + max(
                (_said(c, index, own_words)[0] for c in claims if c.subject == clause.subject), default=0.0):
            findings.append(Swap(clause.text, f"{best[1].text} (of {best[1].subject}, not {clause.subject})",
                                 (clause.terms[0].start, clause.terms[-1].end), best[1].text))
    return findings

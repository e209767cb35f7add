"""Where the answer says the opposite of the reference.

No natural-language-inference model ships inside a package we can install offline, so
contradictions are found with explicit features, sentence against sentence:
- a different complexity class ("O(log n)" where the references only say "O(1)");
- an antonym ("slow" where the reference says "fast"), when the references never use the
  answer's word themselves (a comparison question uses both words of a pair legitimately) and
  one of the two is denied exactly when the other is ("unreachable" agrees with "no longer
  reachable");
- a negation flip: the same word asserted by one and denied by the other ("never any
  collisions" against "collisions happen"; "no live object can reach them" denies "object",
  not "live", see ``Term.denied``), when the references use it one way only
  ("there is a cycle" and "there is no cycle" both belong to a cycle-detection answer) and the
  answer does too (one that marks "every live object" is not denying liveness when it says
  "no live object can reach them"), and
  only against a reference sentence that negates nothing itself: where its negation reaches
  ("will not let us insert", "without an index the database ...") is not known without a parser.
The last two are checked only against the reference sentences an answer sentence is most
about (the most shared content words, at least three), so "a linked list is not contiguous"
is not read against the reference's sentence about arrays.
Each finding names the answer's span and the reference sentence it contradicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aimi.evaluators import swaps
from aimi.evaluators.tech_terms import COMPLEXITIES
from aimi.evaluators.text_features import Term, parsed_terms, reference_terms, terms
from aimi.plugins.types import AnswerInput, ScoringContext

_PAIRS: tuple[tuple[str, str], ...] = (
    ("fast", "slow"), ("faster", "slower"), ("quick", "slow"), ("sorted", "unsorted"), ("same", "different"),
    ("share", "separate"), ("unique", "duplicate"), ("increase", "decrease"), ("more", "less"),
    ("more", "fewer"), ("high", "low"), ("higher", "lower"), ("large", "small"), ("big", "small"),
    ("cheap", "expensive"), ("cheaper", "costlier"), ("simple", "complex"), ("simpler", "complex"),
    ("always", "never"), ("before", "after"), ("first", "last"), ("minimum", "maximum"), ("min", "max"),
    ("true", "false"), ("reachable", "unreachable"), ("public", "private"), ("accept", "reject"),
    ("available", "unavailable"), ("consistent", "inconsistent"), ("fixed", "dynamic"),
    ("static", "dynamic"), ("synchronous", "asynchronous"), ("stateless", "stateful"), ("light", "heavy"),
    ("lighter", "heavier"), ("overfit", "underfit"), ("overfitting", "underfitting"),
    ("supervised", "unsupervised"), ("labelled", "unlabelled"), ("labeled", "unlabeled"),
    ("mutable", "immutable"), ("encrypt", "decrypt"), ("valid", "invalid"), ("correct", "incorrect"),
    ("significant", "insignificant"), ("minimise", "maximise"), ("minimize", "maximize"),
    ("add", "remove"), ("allow", "refuse"), ("allow", "block"), ("include", "exclude"),
    ("strong", "weak"), ("safe", "unsafe"), ("dense", "sparse"), ("young", "old"), ("new", "old"),
    ("lowest", "highest"), ("smallest", "largest"), ("top", "bottom"), ("left", "right"),
    ("contiguous", "scattered"), ("random", "sequential"), ("opposite", "same"), ("reduce", "increase"),
    ("lower", "raise"), ("underfit", "overfit"), ("true", "untrue"), ("possible", "impossible"),
)
ANTONYMS: dict[str, frozenset[str]] = {}
for _a, _b in _PAIRS:
    ANTONYMS[_a] = ANTONYMS.get(_a, frozenset()) | {_b}
    ANTONYMS[_b] = ANTONYMS.get(_b, frozenset()) | {_a}
MIN_SHARED = 2  # more content words than this shared before one sentence can contradict another


@dataclass(frozen=True)
class Finding:
    says: str  # the answer's words
    reference_says: str  # the reference's words
    span: tuple[int, int]  # the answer's span
    reference: str  # the reference sentence or point it contradicts

    def as_dict(self) -> dict:
        return {"says": self.says, "reference_says": self.reference_says, "span": list(self.span),
                "reference": self.reference}


def _by_sentence(items: Sequence[Term]) -> dict[int, list[Term]]:
    out: dict[int, list[Term]] = {}
    for term in items:
        out.setdefault(term.sent, []).append(term)
    return out


def find(answer_terms: Sequence[Term], answer_text: str,
         sources: Sequence[tuple[str, Sequence[Term]]]) -> list[Finding]:
    """Contradictions between the answer and ``sources`` ((sentence text, its terms) of each
    reference sentence and rubric point), at most one per answer sentence and claim."""
    source_lemmas = {t.lemma for _, ts in sources for t in ts}
    polarities: dict[str, set[bool]] = {}
    for _, ts in sources:
        for t in ts:
            polarities.setdefault(t.lemma, set()).add(t.denied)
    source_classes = {t.lemma for _, ts in sources for t in ts if t.lemma in COMPLEXITIES and not t.denied}
    findings: dict[tuple[int, str], Finding] = {}
    answer_polarities: dict[str, set[bool]] = {}
    for t in answer_terms:
        answer_polarities.setdefault(t.lemma, set()).add(t.denied)
    for sent, items in _by_sentence(answer_terms).items():
        lemmas = {t.lemma for t in items}
        for term in items:
            if term.lemma in COMPLEXITIES and source_classes and not term.denied \
                    and term.lemma not in source_classes:
                key = (sent, "complexity")
                findings.setdefault(key, Finding(answer_text[term.start:term.end], " or ".join(
                    sorted(source_classes)), (term.start, term.end), "the reference answers"))
        overlaps = [(len(lemmas & {t.lemma for t in source}), text, source) for text, source in sources]
        best = max((n for n, _, _ in overlaps), default=0)
        for shared, text, source in overlaps:
            if shared < best or shared < MIN_SHARED + 1:
                continue  # only the sentences this one is most about can be contradicted by it
            src = {t.lemma: t for t in source}
            for term in items:
                opposite = [a for a in ANTONYMS.get(term.lemma, ()) if a in src and a not in lemmas
                            and src[a].denied == term.denied]
                if opposite and term.lemma not in source_lemmas:
                    findings.setdefault((sent, term.lemma), Finding(
                        answer_text[term.start:term.end], opposite[0], (term.start, term.end), text))
                other = src.get(term.lemma)
                if other is not None and other.denied != term.denied and len(polarities[term.lemma]) == 1 \
                        and len(answer_polarities[term.lemma]) == 1 and not any(t.negated for t in source):
                    says = answer_text[term.start:term.end]
                    findings.setdefault((sent, term.lemma), Finding(
                        f"not {says}" if term.denied else says,
                        f"not {term.lemma}" if other.denied else term.lemma, (term.start, term.end), text))
    return list(findings.values())


def claims(nlp: Any, rubric: Sequence[str],
           reference_docs: Sequence[Any]) -> list[tuple[str, tuple[Term, ...]]]:
    """What an answer may contradict: each rubric point and each reference sentence."""
    out = [(point, parsed_terms(nlp, point)) for point in rubric]
    for doc in reference_docs:
        ref_terms = reference_terms(doc)
        for index, sent in enumerate(doc.sents):
            out.append((sent.text.strip(), tuple(t for t in ref_terms if t.sent == index)))
    return out


_FOUND: dict[tuple, list[Finding]] = {}


def all_findings(answer: AnswerInput, context: ScoringContext, answer_terms: Sequence[Term]) -> list[Finding]:
    """Contradictions against the reference sentences, and clauses that say of one alternative
    the question names what the references say of another (``swaps``). Content and structure
    both read them for the same answer: the second asks the first's result."""
    key = (id(context.nlp.vocab), answer.answer, answer.question, tuple(answer.rubric),
           tuple(d.text for d in context.reference_docs))
    found = _FOUND.get(key)
    if found is None:
        question_terms = parsed_terms(context.nlp, answer.question) if answer.question.strip() else ()
        swapped = swaps.find(question_terms, answer.question, answer_terms, answer.answer, context.nlp,
                             answer.rubric, context.reference_docs)
        sources = claims(context.nlp, answer.rubric, context.reference_docs)
        found = find(answer_terms, answer.answer, sources) \
            + [Finding(s.says, s.reference_says, s.span, s.reference) for s in swapped]
        if len(_FOUND) >= 256:
            _FOUND.clear()
        _FOUND[key] = found
    return list(found)


def in_answer(answer: AnswerInput, context: ScoringContext) -> list[Finding]:
    """The contradictions of a scored answer; the content and structure evaluators read the same."""
    return all_findings(answer, context, terms(context.doc))

"""The content dimension: did the answer say what the question needs?

Three measured parts, blended by per-tenant weights:
- coverage of the rubric points and keywords (lemmas, inflections, stems, a small
  thesaurus and one-letter misspellings; a point counts when its weighted words appear,
  best within one sentence). With no rubric, the points are the reference answer's
  sentences, as an author would have written them;
- similarity to the closest reference answer: rarity-weighted word and word-pair
  overlap (question words count less, negation mismatches count against), blended with
  sentence-embedding cosine when the ``semantic`` extra is installed;
- length against the question's expected word range.
Evidence names each covered point with the answer span that covers it, and each miss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.attrs import IS_ALPHA, LIKE_NUM

from aimi.evaluators import contradiction, criteria, embeddings, tech_terms
from aimi.evaluators.answer_form import LIST_BELOW, form_factor, list_items, prose_share
from aimi.evaluators.text_features import (
    Term,
    TermIndex,
    negated_base,
    parsed_terms,
    reference_terms,
    terms,
    weight,
)
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import (
    AnswerInput,
    DimensionScore,
    OptionsError,
    OptionSpec,
    ScoringContext,
    validate_options,
)

NAME = "content"
METHODS = ("auto", "lexical", "semantic")
# Expected answer length (words) by interview type when the question does not say.
DEFAULT_WORDS = {"hr": (60, 250), "technical": (40, 250), "behavioural": (120, 350), "mixed": (50, 300)}
QUESTION_WORD_FACTOR = 0.3  # words the question already contains prove little
SEMANTIC_SHARE = 0.5  # share of the embedding cosine in the similarity when it is used
RECALL_BIAS = 2.0  # F-beta's beta: above 1 favours saying the reference's words over extra words
PAIR_SHARE = 0.2  # share of word-pair overlap (word order, phrases) in the lexical similarity
CONTRADICTION_WEIGHT = 0.5  # each contradiction divides coverage and similarity by 1 + this


@dataclass(frozen=True)
class ContentOptions:
    coverage_weight: float = 0.5
    similarity_weight: float = 0.4
    length_weight: float = 0.1
    similarity_method: str = "lexical"  # embeddings cost more than the speed target allows
    point_threshold: float = 0.6


_DEFAULTS = ContentOptions()


@hookimpl
def aimi_options() -> dict[str, OptionSpec]:
    return {
        "coverage_weight": OptionSpec(
            float, _DEFAULTS.coverage_weight, "Weight of rubric coverage.", min=0, max=1
        ),
        "similarity_weight": OptionSpec(
            float, _DEFAULTS.similarity_weight, "Weight of closeness to the reference answer.", min=0, max=1
        ),
        "length_weight": OptionSpec(float, _DEFAULTS.length_weight, "Weight of answer length.", min=0, max=1),
        "similarity_method": OptionSpec(
            str, _DEFAULTS.similarity_method,
            "lexical (word overlap only), semantic (also sentence embeddings, needs the semantic "
            "extra) or auto (semantic when the extra is installed).",
            choices=METHODS,
        ),
        "point_threshold": OptionSpec(
            float, _DEFAULTS.point_threshold, "Share of a point's words needed to count it covered.",
            min=0.2, max=1,
        ),
    }


def resolve_options(options: Mapping[str, Any]) -> ContentOptions:
    """Options with defaults filled in, checked by their ``OptionSpec``s (the one check
    every plugin's options get); ``OptionsError`` names every bad one and how to fix it."""
    resolved = ContentOptions(**validate_options(aimi_options(), options))
    if resolved.coverage_weight + resolved.similarity_weight + resolved.length_weight <= 0:
        raise OptionsError({"coverage_weight": "at least one of the content weights (coverage_weight, "
                                               "similarity_weight, length_weight) must be above 0"})
    return resolved


@hookimpl
def aimi_score_answer(answer: AnswerInput, context: ScoringContext) -> list[DimensionScore]:
    if criteria.applies(answer):  # HR and behavioural: criteria, never a model story's words
        return [criteria.score_criteria(answer, context)]
    return [score_content(answer, context)]


# -- Parsing helpers --------------------------------------------------------------------


@dataclass(frozen=True)
class _Weigher:
    """Word weights with the question's own words demoted."""

    question_lemmas: frozenset[str]
    question_stems: frozenset[str]

    def __call__(self, term: Term) -> float:
        demoted = term.lemma in self.question_lemmas or term.stem in self.question_stems
        return weight(term.lemma) * (QUESTION_WORD_FACTOR if demoted else 1.0)


_PLAIN = _Weigher(frozenset(), frozenset())


def _unique(items: Sequence[Term]) -> list[Term]:
    seen: dict[str, Term] = {}
    for term in items:
        seen.setdefault(term.lemma, term)
    return list(seen.values())


# -- Matching ---------------------------------------------------------------------------


@dataclass
class _Match:
    """How the words of one text (a point, a reference) are found in the answer."""

    total: float = 0.0
    matched: float = 0.0
    contradicted: float = 0.0
    found: list[tuple[float, list[Term]]] = field(default_factory=list)  # (credit, answer terms) per word
    missing: list[str] = field(default_factory=list)
    contradicting: list[Term] = field(default_factory=list)  # answer words that say the opposite

    @property
    def recall(self) -> float:
        return self.matched / self.total if self.total else 0.0


def _match(source: Sequence[Term], answer: TermIndex, weigh: _Weigher) -> _Match:
    result = _Match()
    negated = {t.lemma for t in source if t.negated}
    for term in _unique(source):
        w = weigh(term)
        result.total += w
        quality, hits = answer.find(term.lemma, term.stem)
        agreeing = [h for h in hits if h.negated == (term.lemma in negated)]
        if agreeing:
            result.matched += w * quality
            result.found.append((w * quality, agreeing))
        else:
            if hits:
                result.contradicted += w
                result.contradicting.append(hits[0])
            result.missing.append(term.lemma)
    return result


def _bigrams(items: Sequence[Term]) -> set[tuple[str, str]]:
    return {(a.stem, b.stem) for a, b in zip(items, items[1:], strict=False) if a.sent == b.sent}


@dataclass(frozen=True)
class _Similarity:
    """Closeness to one reference: shared words (F-measure) and shared word pairs, each less the
    share of the reference's words the answer negates."""

    words: float = 0.0
    pairs: float = 0.0
    recall: float = 0.0  # share of the reference's weighted words the answer says
    precision: float = 0.0  # share of the answer's weighted words the reference says
    contradicted: float = 0.0  # share of the reference's weighted words the answer says the opposite of

    @property
    def value(self) -> float:
        return (1 - PAIR_SHARE) * self.words + PAIR_SHARE * self.pairs


def _lexical_similarity(answer_terms: tuple[Term, ...], answer: TermIndex, reference: tuple[Term, ...],
                        weigh: _Weigher) -> _Similarity:
    """Rarity-weighted F-measure of shared words, and shared word pairs, less contradictions."""
    if not reference or not answer_terms:
        return _Similarity()
    forward = _match(reference, answer, weigh)
    backward = _match(answer_terms, TermIndex(reference), weigh)
    recall, precision = forward.recall, backward.recall
    beta2 = RECALL_BIAS**2
    f = (1 + beta2) * recall * precision / (beta2 * precision + recall) if recall + precision else 0.0
    ref_pairs = _bigrams(reference)
    pairs = len(ref_pairs & _bigrams(answer_terms)) / len(ref_pairs) if ref_pairs else f
    agreement = 1 - (forward.contradicted / forward.total if forward.total else 0.0)
    return _Similarity(max(0.0, f * agreement), max(0.0, pairs * agreement), recall, precision,
                       1 - agreement)


# -- Coverage of points and keywords -----------------------------------------------------


def _span(found: list[tuple[float, list[Term]]], sent: int | None) -> list[Term]:
    chosen = []
    for _, hits in found:
        inside = [h for h in hits if sent is None or h.sent == sent]
        if inside:
            chosen.append(inside[0])
    return chosen


def _point(text: str, point_terms: tuple[Term, ...], answer: TermIndex, weigh: _Weigher,
           threshold: float, answer_text: str) -> dict[str, Any]:
    """Score one point: best single sentence, or the whole answer at a small discount."""
    match = _match(point_terms, answer, weigh)
    if not match.total:
        return {"point": text, "score": 0.0, "covered": False, "missing_words": []}
    by_sentence: dict[int, float] = {}
    for credit, hits in match.found:
        for sent in {h.sent for h in hits}:
            by_sentence[sent] = by_sentence.get(sent, 0.0) + credit
    best_sent = max(by_sentence, key=lambda s: (by_sentence[s], -s), default=None)
    sentence_recall = by_sentence.get(best_sent, 0.0) / match.total if best_sent is not None else 0.0
    whole_recall = 0.9 * match.recall
    score = max(sentence_recall, whole_recall) * (1 - match.contradicted / match.total)
    used = _span(match.found, best_sent if sentence_recall >= whole_recall else None)
    evidence: dict[str, Any] = {"point": text, "score": round(score, 3), "covered": score >= threshold,
                                "missing_words": match.missing}
    if match.contradicting:
        evidence["contradicted_by"] = [[t.start, t.end] for t in match.contradicting]
    if used:
        start, end = min(t.start for t in used), max(t.end for t in used)
        evidence["span"] = [start, end]
        evidence["text"] = answer_text[start:end]
    return evidence


def _with_named(point: dict[str, Any], point_terms: tuple[Term, ...], answer: TermIndex,
                technical: frozenset[str], answer_text: str,
                items: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """A missed point with the technical terms of it the answer does say: "named" where the
    answer only lists them (the point is missed for want of an explanation), "mentioned" where
    it uses them in a sentence (the sentence may explain the point in words the scorer does not
    match, so the advice must not say it explains nothing)."""
    found: dict[str, dict[str, str]] = {"named": {}, "mentioned": {}}
    for _, hits in _match(point_terms, answer, _PLAIN).found:
        hit = hits[0]
        if hit.lemma in technical:
            listed = any(start <= hit.start < end for start, end in items)
            found["named" if listed else "mentioned"].setdefault(hit.lemma, answer_text[hit.start:hit.end])
    return {**point, **{key: list(terms_.values()) for key, terms_ in found.items() if terms_}}


def _denied(sources: Sequence[Sequence[Term]]) -> frozenset[str]:
    """Words the references (or rubric) use in denial: "not reachable", "unreachable"."""
    out = set()
    for items in sources:
        for term in items:
            base = negated_base(term.lemma)
            if term.negated or term.denied:
                out.add(term.lemma)
            elif base:
                out.add(base)
    return frozenset(out)


def _keyword(text: str, keyword_terms: tuple[Term, ...], answer: TermIndex,
             denied: frozenset[str]) -> dict[str, Any]:
    """A keyword is found where the answer uses it as the references do: asserted, or also
    denied where they deny it ("unreachable" and "not reachable" use the keyword "reachable"
    in a question whose references say "no longer reachable"; "no DNS is needed" does not use
    "DNS" as references that never deny it)."""
    hits = [[h for h in answer.find(t.lemma, t.stem)[1] if h.negated == t.negated or t.lemma in denied]
            for t in _unique(keyword_terms)]
    found = bool(keyword_terms) and all(hits)
    evidence: dict[str, Any] = {"keyword": text, "found": found}
    if found:
        evidence["spans"] = [list(s) for s in sorted({(h.start, h.end) for items in hits for h in items})]
    return evidence


def _reference_points(reference_docs: Sequence[Any], reference_terms: Sequence[tuple[Term, ...]],
                      answer: TermIndex, weigh: _Weigher, threshold: float,
                      answer_text: str) -> tuple[int, list[dict[str, Any]]]:
    """Points taken from each reference answer's sentences; the best-covered reference wins."""
    best: tuple[float, int, list[dict[str, Any]]] | None = None
    for index, (doc, ref_terms) in enumerate(zip(reference_docs, reference_terms, strict=True)):
        points = []
        for sent_index, sent in enumerate(doc.sents):
            sent_terms = tuple(t for t in ref_terms if t.sent == sent_index)
            if sent_terms:
                points.append(_point(sent.text.strip(), sent_terms, answer, weigh, threshold, answer_text))
        if points:
            mean = sum(p["score"] for p in points) / len(points)
            if best is None or mean > best[0]:
                best = (mean, index, points)
    return (best[1], best[2]) if best else (-1, [])


# -- Length -------------------------------------------------------------------------------


def _word_count(doc: Any) -> int:
    flags = doc.to_array([IS_ALPHA, LIKE_NUM])
    return int((flags.sum(axis=1) > 0).sum()) if len(doc) else 0


def _expected_words(answer: AnswerInput, reference_docs: Sequence[Any]) -> tuple[tuple[int, int], str]:
    if answer.expected_words:
        return answer.expected_words, "question"
    if reference_docs:
        counts = [_word_count(d) for d in reference_docs]
        return (max(3, round(0.5 * min(counts))), max(4 * max(counts), 40)), "reference answers"
    return DEFAULT_WORDS.get(answer.type, DEFAULT_WORDS["technical"]), f"default for {answer.type} questions"


def _length_score(words: int, low: int, high: int) -> float:
    if words >= low and words <= high:
        return 1.0
    if words < low:
        return (words / low) ** 0.8
    return max(0.5, 1 - 0.5 * (words - high) / high)


# -- The score ------------------------------------------------------------------------------


def _clip(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def score_content(answer: AnswerInput, context: ScoringContext) -> DimensionScore:
    """Score the answer's content (0-100) with the evidence and advice behind it."""
    opts = resolve_options(context.options)
    doc, nlp, text = context.doc, context.nlp, answer.answer
    words = _word_count(doc)
    (low, high), length_source = _expected_words(answer, context.reference_docs)
    question_terms = parsed_terms(nlp, answer.question) if answer.question.strip() else ()
    weigh = _Weigher(frozenset(t.lemma for t in question_terms), frozenset(t.stem for t in question_terms))
    answer_terms = terms(doc)
    index = TermIndex(answer_terms)
    ref_terms = [reference_terms(d) for d in context.reference_docs]

    evidence: dict[str, Any] = {"word_count": words, "expected_words": [low, high],
                                "expected_words_source": length_source}
    parts: dict[str, float] = {"length": _length_score(words, low, high)}

    share = prose_share(doc)
    # Coverage
    if answer.rubric:
        points = [_point(p, parsed_terms(nlp, p), index, _PLAIN, opts.point_threshold, text)
                  for p in answer.rubric]
        evidence["points_source"] = "rubric"
    else:
        ref_index, points = _reference_points(context.reference_docs, ref_terms, index, weigh,
                                              opts.point_threshold, text)
        if points:
            evidence["points_source"] = f"reference answer {ref_index + 1}"
    denied = _denied([*ref_terms, *(parsed_terms(nlp, p) for p in answer.rubric)]) if answer.keywords \
        else frozenset()
    keywords = [_keyword(k, parsed_terms(nlp, k), index, denied) for k in answer.keywords]
    coverage_parts = []
    if points:
        coverage_parts.append(sum(p["score"] for p in points) / len(points))
        evidence["points_covered"] = [p for p in points if p["covered"]]
        technical = tech_terms.CANONICAL | {t.lemma for k in answer.keywords for t in parsed_terms(nlp, k)}
        items = list_items(doc) if share < LIST_BELOW else []  # else its short bits are clauses
        evidence["points_missed"] = [
            _with_named(p, parsed_terms(nlp, p["point"]), index, technical, text, items)
            for p in points if not p["covered"]]
    if keywords:
        coverage_parts.append(sum(k["found"] for k in keywords) / len(keywords))
        evidence["keywords_found"] = [k for k in keywords if k["found"]]
        evidence["keywords_missing"] = [k["keyword"] for k in keywords if not k["found"]]
    if coverage_parts:
        parts["coverage"] = sum(coverage_parts) / len(coverage_parts)

    # Similarity
    features: dict[str, float] = {"length": parts["length"]}
    if context.reference_docs:
        method, sims, cosines = _similarities(answer_terms, index, context.reference_docs, ref_terms,
                                              weigh, doc, opts.similarity_method)
        values = [_blend(sim, cosines[i] if cosines else None) for i, sim in enumerate(sims)]
        best = max(range(len(values)), key=lambda i: (values[i], -i))
        parts["similarity"] = _clip(values[best]) ** 0.6
        evidence["similarity"] = {"method": method, "value": round(values[best], 3),
                                  "best_reference": best + 1, "reference": answer.reference_answers[best]}
        features.update(similarity=sims[best].words, word_pairs=sims[best].pairs, recall=sims[best].recall,
                        precision=sims[best].precision, contradicted=sims[best].contradicted)
        if points:
            features.update(point_best=max(p["score"] for p in points),
                            point_worst=min(p["score"] for p in points))
        if cosines:
            features["embedding_cosine"] = _clip(cosines[best])
    elif not coverage_parts and question_terms:
        relevance = _match(question_terms, index, _PLAIN).recall
        parts["relevance"] = relevance
        evidence["question_relevance"] = round(relevance, 3)

    # Meaning: said in sentences, and not the opposite of the reference
    evidence["prose_share"] = round(share, 3)
    findings = contradiction.all_findings(answer, context, answer_terms)
    if findings:
        evidence["contradictions"] = [f.as_dict() for f in findings]
    features.update(coverage=parts.get("coverage", 0.0), contradictions=float(len(findings)),
                    prose_share=share,
                    question_overlap=_match(question_terms, index, _PLAIN).recall if question_terms else 0.0)
    evidence["features"] = {k: round(v, 4) for k, v in sorted(features.items())}
    agreement = 1 / (1 + CONTRADICTION_WEIGHT * len(findings))
    for name in ("coverage", "similarity"):
        if name in parts:
            parts[name] *= agreement
    evidence["components"] = {k: round(100 * v, 1) for k, v in parts.items()}

    weights = {"coverage": opts.coverage_weight, "similarity": opts.similarity_weight,
               "relevance": opts.similarity_weight, "length": opts.length_weight}
    total_weight = sum(weights[k] for k in parts)
    score = 0.0 if not words else 100 * sum(weights[k] * v for k, v in parts.items()) / (total_weight or 1)
    score *= form_factor(share)
    advice = _suggestions(evidence, words, low, high)
    return DimensionScore(NAME, round(score, 1), evidence, advice, plugin=NAME)


def _text_vector(doc: Any) -> Any:
    """The embedding of a parsed text: its sentences' vectors, pooled."""
    sentences = [s.text.strip() for s in doc.sents if s.text.strip()] or [doc.text]
    return embeddings.mean_vector(embeddings.embed(sentences))


def _blend(similarity: _Similarity, cosine: float | None) -> float:
    return similarity.value if cosine is None else \
        (1 - SEMANTIC_SHARE) * similarity.value + SEMANTIC_SHARE * _clip(cosine)


def _similarities(answer_terms: tuple[Term, ...], index: TermIndex, reference_docs: Sequence[Any],
                  reference_terms: Sequence[tuple[Term, ...]], weigh: _Weigher,
                  answer_doc: Any, method: str) -> tuple[str, list[_Similarity], list[float] | None]:
    """Lexical closeness to each reference, and the embedding cosines when they are used."""
    lexical = [_lexical_similarity(answer_terms, index, ref, weigh) for ref in reference_terms]
    if method == "lexical" or not embeddings.available():
        return "lexical", lexical, None
    vector = _text_vector(answer_doc)
    return "semantic", lexical, [float(vector @ _text_vector(doc)) for doc in reference_docs]


def _suggestions(evidence: dict[str, Any], words: int, low: int, high: int) -> tuple[str, ...]:
    if not words:
        return ("You did not give an answer. Even a short one that names the main idea earns credit.",)
    out = []
    if evidence["prose_share"] < LIST_BELOW:
        out.append("Your answer lists terms without explaining them; say in sentences what each one "
                   "means and why it matters.")
    for finding in evidence.get("contradictions", [])[:2]:
        out.append(f'You say "{finding["says"]}", the reference says "{finding["reference_says"]}"; '
                   "check that point.")
    for point in evidence.get("points_missed", [])[:3]:
        if point.get("named"):
            named = ", ".join(f'"{n}"' for n in point["named"])
            out.append(f'You named {named} but did not explain "{point["point"]}"; say in a sentence '
                       "what it means here.")
        elif point.get("mentioned"):
            mentioned = ", ".join(f'"{n}"' for n in point["mentioned"])
            out.append(f'You mention {mentioned} but do not clearly say "{point["point"]}"; if you mean '
                       "it, say it in a sentence of its own.")
        else:
            out.append(f'You did not mention "{point["point"]}"; add a sentence that covers it.')
    missing = evidence.get("keywords_missing", [])
    if missing:
        out.append(f"Use the key terms the question expects: {', '.join(missing[:5])}.")
    similarity = evidence.get("similarity")
    if similarity and similarity["value"] < 0.35 and not evidence.get("points_missed"):
        out.append("Your answer drifts from what was asked; state the main idea in your own words first.")
    if words < low:
        out.append(f"Your answer has {words} words; aim for at least {low} so you can explain the idea "
                   "and give an example.")
    elif words > high:
        out.append(f"Your answer has {words} words; keep it under about {high} by cutting repetition.")
    return tuple(out)

"""The "structure" dimension: is the answer built the way interviewers listen for?

Behavioural and HR answers are read for STAR (situation, task, action, result), technical
answers for idea, explanation and example; mixed questions get both, weighted. Each part
points at the sentences that carry it, so the candidate sees what was heard and what was not.
"""

from __future__ import annotations

import re
from typing import Any

from aimi.evaluators import contradiction
from aimi.evaluators.textview import TextView, clamp, i_actions, is_past, view
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import AnswerInput, DimensionScore, OptionSpec, ScoringContext

NAME = "structure"
STAR = ("situation", "task", "action", "result")
TECHNICAL = ("idea", "explanation", "example")

_STAR_CUES = {
    "situation": re.compile(
        r"\b(?:when i was|while i was|at my (?:previous|last|old|first|current) "
        r"(?:job|company|role|internship|team|workplace)|in my (?:previous|last|first|final|second|third)"
        r"|during (?:my|our|the)|last (?:year|semester|summer|month|term)|a few (?:weeks|months|years) ago"
        r"|(?:the|our) (?:situation|context|background)|at the time|we had|there was|there were"
        r"|i was (?:working|interning|part of|a|an|in|on)|i worked (?:at|on|as|in)|our team"
        r"|in (?:college|university|school|my internship|a group project|a project))\b",
        re.IGNORECASE),
    "task": re.compile(
        r"\b(?:my (?:task|role|job|goal|responsibility|assignment|aim) (?:was|were|is)"
        r"|i was (?:responsible|asked|tasked|assigned|expected|supposed|chosen)"
        r"|(?:i|we) (?:needed|had|wanted) to|(?:the|our|my) (?:goal|task|challenge|problem|objective"
        r"|deadline|aim) (?:was|were|is)|responsible for|in charge of|it was up to me)\b",
        re.IGNORECASE),
    "action": re.compile(
        r"\b(?:first,|then i|next,? i|after that|so i|to do this|to solve (?:this|it)|to fix (?:this|it)"
        r"|my approach|i decided|i started|i began|i set up|i reached out|i worked with|i spoke)\b",
        re.IGNORECASE),
    "result": re.compile(
        r"(?:\b(?:as a result|in the end|eventually|finally|the result|the outcome|ended up"
        r"|which (?:led|resulted)|this (?:led|resulted|helped|saved|reduced|improved)"
        r"|(?:we|i|it|that|this) (?:reduced|increased|improved|saved|delivered|finished|completed|won"
        r"|achieved|shipped|launched|passed|cut|grew|raised|met)|on time|ahead of schedule"
        r"|i (?:learned|learnt|realised|realized)|learned that|the feedback"
        r"|(?:was|were) (?:praised|recognised|recognized|promoted|adopted|pleased|happy)|successfully)\b"
        r"|\d+(?:\.\d+)?\s?(?:%|percent\b))",
        re.IGNORECASE),
}
_IDEA = re.compile(
    r"\b(?:is|are|means|refers to|is used (?:to|for)|allows|lets|works by|stands for|describes"
    r"|defines|provides|is a way|the idea)\b", re.IGNORECASE)
_EXPLANATION = re.compile(
    r"(?:,\s*so\b|\b(?:because|since|so that|which means|this means|that means|therefore|thus|hence"
    r"|as a result|the reason|in order to|due to|otherwise|that way|this way|that is why|that's why"
    r"|in other words|which is why|(?:this|which|it) (?:allows|lets|makes|keeps|ensures|prevents|avoids"
    r"|guarantees|reduces|improves|proves|means))\b"
    r"|(?:^|[;:,]\s*)that (?:makes|keeps|means|lets|allows|ensures)\b)",
    re.IGNORECASE)
_EXAMPLE = re.compile(
    r"\b(?:for example|for instance|e\.g\.|such as|say (?:we|you)|imagine|consider|let's say"
    r"|like when|in my (?:project|experience|internship)|(?:i|we) used|an example"
    r"|(?:,|much|just|things|something) like\b)", re.IGNORECASE)
# Concrete detail also makes an example: code (calls, snake_case, camelCase, `ticks`), Big-O, numbers.
_CONCRETE = re.compile(
    r"\w+\(\)|`[^`]+`|\b[a-z]+_[a-z_]+\b|\b[a-z]+[A-Z]\w*\b|\bO\([^)]*\)|\b\d+(?:\.\d+)?\b")
_QUESTION_WORD = re.compile(r"[A-Za-z]{4,}")
_STOP_QUESTION_WORDS = frozenset({"what", "when", "where", "which", "would", "could", "should",
                                  "explain", "describe", "tell", "about", "there", "your", "with",
                                  "does", "from", "have", "that", "this", "difference", "between"})

_STAR_ADVICE = {
    "situation": "Start by setting the scene in one sentence: where you were and what was going on "
                 "(for example, 'In my final-year project, our team of four ...').",
    "task": "Say what you had to achieve or what you were responsible for ('My job was to ...').",
    "action": "Describe the steps you took yourself, with 'I' statements ('I split the work ...', "
              "'I met the client ...').",
    "result": "Finish with the outcome, ideally a number or a concrete change ('we shipped two days "
              "early', 'errors fell by 30%'), and what you learned.",
}
_TECHNICAL_ADVICE = {
    "idea": "Open with one sentence that answers the question directly (for example, 'An index is "
            "a data structure that ...').",
    "explanation": "Explain why or how it works, with words like 'because' or 'which means'.",
    "example": "Give a concrete example: a case you have met, a number, or a short code snippet "
               "('for example, ...').",
}
_ORDER_ADVICE = "Tell the story in order: situation, task, what you did, then the result."
_I_ADVICE = ("Say what you did, not only what the team did: 'I wrote the tests' shows your part "
             "better than 'we wrote the tests'.")
_TECHNICAL_POINTS = {"idea": 40.0, "explanation": 30.0, "example": 30.0}
_CUE_WEIGHT = 2.0
_ASSIGN_AT = 2.0


@hookimpl
def aimi_options() -> dict[str, OptionSpec]:
    return {"mixed_star_weight": OptionSpec(
        float, 0.5, "For mixed questions, the share of the structure score that comes from STAR "
        "(the rest from idea, explanation and example).", min=0.0, max=1.0)}


@hookimpl
def aimi_score_answer(answer: AnswerInput, context: ScoringContext) -> list[DimensionScore]:
    text = view(context.doc)
    kind = answer.type
    if kind in ("behavioural", "hr"):
        score, evidence, advice = _star(text)
    elif kind == "technical":
        score, evidence, advice = _technical(text, answer.question, _wrong_sentences(answer, context, text))
    else:
        star_weight = float(context.options.get("mixed_star_weight", 0.5))
        star_score, star_evidence, star_advice = _star(text)
        tech_score, tech_evidence, tech_advice = _technical(text, answer.question,
                                                            _wrong_sentences(answer, context, text))
        score = star_weight * star_score + (1 - star_weight) * tech_score
        evidence = {"star": star_evidence, "technical": tech_evidence, "star_weight": star_weight}
        advice = star_advice + tech_advice
    return [DimensionScore(NAME, round(score, 1), evidence, tuple(advice), plugin=NAME)]


def _star_scores(text: TextView) -> list[dict[str, float]]:
    """Per sentence, how strongly it reads as each STAR part: cue phrases (each regex run once
    over the whole answer), "I" + past-tense action verbs, and position (scene first, outcome
    last)."""
    scores = [dict.fromkeys(STAR, 0.0) for _ in text.sentences]
    for part, cue in _STAR_CUES.items():
        for match in cue.finditer(text.text):
            scores[text.sentence_at(match.start())][part] += _CUE_WEIGHT
    last = len(text.sentences) - 1
    for index, sentence in enumerate(text.sentences):
        if i_actions(sentence):
            scores[index]["action"] += _CUE_WEIGHT
        if index == 0 and last > 0:
            scores[index]["situation"] += 1.0 + (1.0 if any(is_past(w) for w in sentence.words) else 0.0)
        if index == last and last > 0:
            scores[index]["result"] += 1.0
    return scores


def star_parts(text: TextView) -> dict[str, list[int]]:
    """The sentences (indexes) that carry each STAR part; criteria scoring reads the same
    detection (situation, result) so the two dimensions never disagree on what was said."""
    parts: dict[str, list[int]] = {part: [] for part in STAR}
    for index, scores in enumerate(_star_scores(text)):
        for part, value in scores.items():
            if value >= _ASSIGN_AT:
                parts[part].append(index)
    return parts


def _star(text: TextView) -> tuple[float, dict[str, Any], list[str]]:
    parts = star_parts(text)
    present = [p for p in STAR if parts[p]]
    firsts = [parts[p][0] for p in present]
    in_order = len(present) >= 2 and firsts == sorted(firsts)
    own_action = any(i_actions(text.sentences[i]) for i in parts["action"])
    score = 22.0 * len(present) + (6.0 if in_order else 0.0) + (6.0 if own_action else 0.0)
    advice = [_STAR_ADVICE[p] for p in STAR if not parts[p]]
    if len(present) >= 2 and not in_order:
        advice.append(_ORDER_ADVICE)
    if parts["action"] and not own_action:
        advice.append(_I_ADVICE)
    evidence = {
        "framework": "STAR",
        "parts": {p: [text.sentences[i].as_dict() for i in parts[p]] for p in STAR},
        "missing": [p for p in STAR if not parts[p]],
        "in_order": in_order,
        "i_statements": own_action,
    }
    return clamp(score), evidence, advice


def _singular(word: str) -> str:
    """Crude plural folding on top of the lemma (the lookup lemmatizer misses "Indexes")."""
    for ending, keep in (("ies", "y"), ("xes", "x"), ("ses", "s"), ("s", "")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return word[: -len(ending)] + keep
    return word


def _question_words(question: str) -> frozenset[str]:
    words = {_singular(w.lower()) for w in _QUESTION_WORD.findall(question)}
    return frozenset(words - _STOP_QUESTION_WORDS)


def _wrong_sentences(answer: AnswerInput, context: ScoringContext, text: TextView) -> frozenset[int]:
    """Sentences that contradict the reference answers or rubric (the content evaluator's findings)."""
    if not context.reference_docs and not answer.rubric:
        return frozenset()
    return frozenset(text.sentence_at(f.span[0]) for f in contradiction.in_answer(answer, context))


def _technical(text: TextView, question: str,
               wrong: frozenset[int] = frozenset()) -> tuple[float, dict[str, Any], list[str]]:
    """Idea, explanation and example, each from the first sentence that carries it; a sentence
    that contradicts the references carries none (a wrong claim well put is not structure)."""
    asked = _question_words(question)
    found: dict[str, int | None] = {"idea": None, "explanation": None, "example": None}
    for index, sentence in enumerate(text.sentences):
        if index in wrong:
            continue
        on_topic = any(_singular(w.lemma) in asked for w in sentence.words)
        if found["idea"] is None and (_IDEA.search(sentence.text) or on_topic):
            found["idea"] = index
        if found["explanation"] is None and _EXPLANATION.search(sentence.text):
            found["explanation"] = index
        if found["example"] is None and _EXAMPLE.search(sentence.text):
            found["example"] = index
    if found["example"] is None:
        found["example"] = next((i for i, s in enumerate(text.sentences)
                                 if i not in wrong and _CONCRETE.search(s.text)), None)
    score = 0.0
    for part, index in found.items():
        if index is not None:
            # An idea stated only late in the answer earns half: lead with it.
            late = part == "idea" and index > 1
            score += _TECHNICAL_POINTS[part] * (0.5 if late else 1.0)
    advice = [_TECHNICAL_ADVICE[p] for p, i in found.items() if i is None]
    if found["idea"] is not None and found["idea"] > 1:
        advice.insert(0, _TECHNICAL_ADVICE["idea"])
    evidence = {
        "framework": "idea-explanation-example",
        "parts": {p: (text.sentences[i].as_dict() if i is not None else None) for p, i in found.items()},
        "missing": [p for p, i in found.items() if i is None],
        "contradicting_sentences": sorted(wrong),
    }
    return clamp(score), evidence, advice

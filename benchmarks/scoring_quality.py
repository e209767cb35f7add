"""How well the content score separates correct from incorrect answers (SemEval-2013 Task 7).

For each 2-way test split, prints the number of answers and the ROC AUC of (a) plain word
overlap with the best reference answer and (b) aimi's content score, scored with the
question and its reference answers only (SemEval has no rubric: key points come from the
reference answers, as for a question whose author gave none). Nothing is trained on the
test splits; ``--training`` runs the same measure on the training splits instead, which
is where the scorer may be tuned.

Beside the AUC it prints Pearson's r between the content score and the gold label as 0/100
(correct or not): a proxy for the issue's held-out Pearson aim, which is on graded labels; the
shared data has the 2-way and 3-way labels only, not SemEval's 5-way ones.

``--promoted K`` simulates mentor-promoted references: up to K training answers graded correct
join each test question's references (only unseen-answers questions have any).

Run: ``python benchmarks/scoring_quality.py [--data PATH] [--method lexical|semantic|auto]
[--promoted K]``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from aimi.plugins.scoring import default_states, score
from aimi.plugins.types import AnswerInput

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: benchmarks/ is not a package
from semeval import CORPORA, DEFAULT_ZIP, TEST_SPLITS, Question, load_test_split, load_training  # noqa: E402

_WORD = re.compile(r"[a-z0-9]+")


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random correct answer outscores a random incorrect one (ties half)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum = sum(r for r, label in zip(ranks, labels, strict=True) if label)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson's correlation coefficient (nan when either side is constant)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    return sxy / (sxx * syy) ** 0.5 if sxx and syy else float("nan")


def word_overlap(answer: str, references: Sequence[str]) -> float:
    """The baseline: share of a reference's words found in the answer, best reference."""
    words = set(_WORD.findall(answer.lower()))
    best = 0.0
    for reference in references:
        ref_words = set(_WORD.findall(reference.lower()))
        if ref_words:
            best = max(best, len(words & ref_words) / len(ref_words))
    return best


def promoted_references(questions: list[Question], training: list[Question], count: int) -> list[Question]:
    """Mentor-promoted references simulated: each test question gains up to ``count`` TRAINING
    answers to the same question that were graded correct (never a test answer). Questions of
    the unseen-questions and unseen-domains splits have no training answers, so they keep only
    the author's references, as a new question would."""
    by_id = {q.id: q for q in training}
    out = []
    for question in questions:
        extra = tuple(a.text for a in by_id[question.id].answers if a.correct)[:count] \
            if question.id in by_id else ()
        out.append(replace(question, references=question.references + extra))
    return out


def content_scorer(method: str) -> Callable[[Question], list[float]]:
    """The content dimension of the one scoring pipeline's report, the content evaluator alone on."""
    states = default_states({"content": {"similarity_method": method}})
    states = {name: state if name == "content" else replace(state, enabled=False)
              for name, state in states.items()}

    def content(question: Question) -> list[float]:
        out = []
        for student in question.answers:
            answer = AnswerInput(id=student.id, question=question.text, answer=student.text,
                                 reference_answers=question.references)
            out.append(score(answer, states=states).dimensions["content"].score or 0.0)
        return out

    return content


def evaluate(name: str, questions: list[Question], scorer: Callable[[Question], list[float]]) -> tuple:
    labels, baseline, ours = [], [], []
    started = time.perf_counter()
    for question in questions:
        labels.extend(a.correct for a in question.answers)
        baseline.extend(word_overlap(a.text, question.references) for a in question.answers)
        ours.extend(scorer(question))
    per_answer_ms = 1000 * (time.perf_counter() - started) / max(len(labels), 1)
    gold = [100.0 * label for label in labels]
    return (name, len(labels), roc_auc(baseline, labels), roc_auc(ours, labels), pearson(ours, gold),
            per_answer_ms)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_ZIP, help="path to semeval-3way.zip")
    parser.add_argument("--method", choices=("lexical", "semantic", "auto"), default="lexical")
    parser.add_argument("--training", action="store_true", help="measure the training splits (for tuning)")
    parser.add_argument("--promoted", type=int, default=0, metavar="K",
                        help="add up to K correct training answers of the same question as references")
    args = parser.parse_args(argv)
    scorer = content_scorer(args.method)
    if args.training:
        splits = [(f"{c}/training", load_training(c, args.data)) for c in CORPORA]
    else:
        splits = [(f"{c}/{s}", load_test_split(c, s, args.data)) for c, s in TEST_SPLITS]
    if args.promoted:
        training = {c: load_training(c, args.data) for c in CORPORA}
        splits = [(name, promoted_references(questions, training[name.split("/")[0]], args.promoted))
                  for name, questions in splits]
    rows = [evaluate(name, questions, scorer) for name, questions in splits]
    print(f"content similarity method: {args.method}; promoted references per question: {args.promoted}")
    print(f"{'split':38} {'answers':>7} {'overlap AUC':>11} {'content AUC':>11} {'r (proxy)':>9} "
          f"{'ms/answer':>9}")
    for name, count, base, ours, r, ms in rows:
        print(f"{name:38} {count:7d} {base:11.3f} {ours:11.3f} {r:9.3f} {ms:9.2f}")
    worse = [name for name, _, base, ours, _, _ in rows if not ours > base]
    if worse:
        print(f"content score does not beat word overlap on: {', '.join(worse)}")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())

"""Would a learned combination of the content features beat the hand-weighted blend?

Reads the SemEval-2013 TRAINING answers only (both corpora; no rubric, so coverage comes from
the reference answers' sentences), takes each answer's features from the content evaluator's
own evidence (``evidence["features"]``), and fits an L2-regularised logistic regression
(plain numpy, Newton steps) on standardised features: one over the lexical features, one that
adds the embedding cosine (when the ``semantic`` extra is installed). Prints the
question-grouped 5-fold cross-validated ROC AUC of the blend and of both models per corpus,
and each model's weights fitted on all training answers. Nothing is written: the blend stays
the scorer until a model wins on questions it has not seen (see docs/decisions.md).

Run: ``python benchmarks/content_combination.py [--data PATH]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from aimi.evaluators import embeddings
from aimi.plugins.scoring import default_states, score
from aimi.plugins.types import AnswerInput

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: benchmarks/ is not a package
from scoring_quality import roc_auc  # noqa: E402
from semeval import CORPORA, DEFAULT_ZIP, load_training  # noqa: E402

LEXICAL = ("coverage", "similarity", "word_pairs", "contradictions", "prose_share", "length",
           "question_overlap", "recall", "precision", "contradicted", "point_best", "point_worst")
SEMANTIC = (*LEXICAL, "embedding_cosine")
L2 = 1.0  # ridge penalty on the standardised weights (not on the intercept)
FOLDS = 5


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weights and intercept of an L2-penalised logistic regression, by Newton's method."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (p - y) + penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[1:], float(beta[0])


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    return mean, np.where(scale > 0, scale, 1.0)


def fit(x: np.ndarray, y: np.ndarray) -> dict:
    mean, scale = standardise(x)
    weights, intercept = fit_logistic((x - mean) / scale, y)
    return {"mean": mean.tolist(), "scale": scale.tolist(), "weights": weights.tolist(),
            "intercept": intercept}


def predict(model: dict, x: np.ndarray) -> np.ndarray:
    standardised = (x - np.array(model["mean"])) / np.array(model["scale"])
    z = model["intercept"] + standardised @ np.array(model["weights"])
    return 1 / (1 + np.exp(-z))


def collect(data: Path, method: str) -> tuple[list[dict[str, float]], list[float], list[bool], list[str],
                                             list[str]]:
    """Per training answer: its features, the hand-weighted blend's score, the label, its
    corpus and its question (the cross-validation groups)."""
    states = default_states({"content": {"similarity_method": method}})
    states = {name: state if name == "content" else replace(state, enabled=False)
              for name, state in states.items()}
    features, blend, labels, corpora, groups = [], [], [], [], []
    for corpus in CORPORA:
        for question in load_training(corpus, data):
            for student in question.answers:
                report = score(AnswerInput(id=student.id, question=question.text, answer=student.text,
                                           reference_answers=question.references), states=states)
                content = report.dimensions["content"]
                features.append(content.evidence.get("features", {}))
                blend.append(content.score or 0.0)
                labels.append(student.correct)
                corpora.append(corpus)
                groups.append(f"{corpus}/{question.id}")
    return features, blend, labels, corpora, groups


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_ZIP, help="path to semeval-3way.zip")
    parser.add_argument("--method", choices=("lexical", "semantic"),
                        default="semantic" if embeddings.available() else "lexical")
    args = parser.parse_args(argv)
    features, blend, labels, corpora, groups = collect(args.data, args.method)
    y = np.array(labels, dtype=float)
    corpus = np.array(corpora)
    names = {"lexical": LEXICAL, "semantic": SEMANTIC if args.method == "semantic" else None}
    questions = sorted(set(groups))
    fold_of = {q: i % FOLDS for i, q in enumerate(questions)}
    fold = np.array([fold_of[g] for g in groups])
    print(f"{len(labels)} training answers, {len(questions)} questions, {FOLDS} question-grouped folds; "
          f"blend = the content score ({args.method})")
    print(f"{'corpus':14} {'blend AUC':>9} " + " ".join(f"{n + ' AUC':>12}" for n, f in names.items() if f))
    cv: dict[str, np.ndarray] = {}
    for name, feature_names in names.items():
        if feature_names is None:
            continue
        x = np.array([[f.get(n, 0.0) for n in feature_names] for f in features])
        out = np.zeros(len(y))
        for k in range(FOLDS):
            model = fit(x[fold != k], y[fold != k])
            out[fold == k] = predict(model, x[fold == k])
        cv[name] = out
    for c in CORPORA:
        mask = corpus == c
        row = f"{c:14} {roc_auc(list(np.array(blend)[mask]), list(y[mask] > 0)):9.3f} "
        row += " ".join(f"{roc_auc(list(out[mask]), list(y[mask] > 0)):12.3f}" for out in cv.values())
        print(row)
    for name, feature_names in names.items():
        if feature_names is None:
            continue
        model = fit(np.array([[f.get(n, 0.0) for n in feature_names] for f in features]), y)
        print(f"{name} weights (per standard deviation): " +
              ", ".join(f"{n} {w:+.2f}" for n, w in zip(feature_names, model["weights"], strict=True))
              + f"; intercept {model['intercept']:+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Does calibrating the AI to a college's mentors bring its scores closer to theirs, on
answers the calibration never saw? Simulated on SemEval-2013 Task 7's training answers.

The "mentor" of each answer is the organisers' 3-way grade on a 0-100 scale (correct 90,
incorrect 40, contradictory 10: a wrong answer that at least addresses the question is not
worth nothing, one that says the opposite of the reference nearly is) plus a mentor's own
noise (normal, sd 6 points, fixed seed). The "AI" is aimi's content score of the answer
against the question's reference answers, through the report pipeline. Each corpus plays
one college's interview type.

Per corpus, five outer folds: the calibration is fitted exactly as the job fits it
(``aimi.tenants.calibration_fit.fit``: isotonic or linear by inner 5-fold CV, kept only if
it lowers the inner held-out error) on four folds, and judged on the fifth, against the
raw AI score (the plain baseline) and against the mentors' mean (a map that ignores the
AI). Then a learning curve: the same on random training sets of 15 to 240 reviews, which
is what ``MIN_REVIEWS`` (30) rests on.

Run: ``python benchmarks/calibration.py [--data PATH] [--per-question N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from aimi.plugins.scoring import score
from aimi.plugins.types import AnswerInput
from aimi.tenants import calibration_fit
from aimi.tenants.agreement import Figures, measure

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: benchmarks/ is not a package
from semeval import CORPORA, DEFAULT_ZIP, load_training  # noqa: E402

GRADES = {"correct": 90.0, "incorrect": 40.0, "contradictory": 10.0}
MENTOR_NOISE = 6.0
OUTER_FOLDS = 5
SIZES = (15, 30, 60, 120, 240)
REPEATS = 20
SEED = 7


def scored(corpus: str, path: Path, per_question: int) -> tuple[np.ndarray, np.ndarray]:
    """(AI content scores, simulated mentor scores) of a corpus's training answers."""
    rng = np.random.default_rng(SEED)
    ai, mentor = [], []
    for question in load_training(corpus, path, ways=3):
        for student in question.answers[:per_question]:
            answer = AnswerInput(id=student.id, question=question.text, answer=student.text,
                                 reference_answers=question.references, type="technical")
            report = score(answer)
            ai.append(report.dimensions["content"].score or 0.0)
            mentor.append(float(np.clip(GRADES[student.label] + rng.normal(0, MENTOR_NOISE), 0, 100)))
    return np.asarray(ai), np.asarray(mentor)


def calibrated_on(train: np.ndarray, test: np.ndarray, ai: np.ndarray, mentor: np.ndarray) -> np.ndarray:
    """The test answers' scores after a calibration fitted on the training answers (the raw
    AI score when the fit was not kept, as in the product)."""
    fit = calibration_fit.fit(ai[train], mentor[train])
    if not fit.kept:
        return ai[test]
    return calibration_fit.predict(fit.method, fit.params, ai[test])


def outer_folds(ai: np.ndarray, mentor: np.ndarray) -> dict[str, Figures]:
    order = np.random.default_rng(SEED).permutation(len(ai))
    raw, calibrated, constant, truth = [], [], [], []
    for part in np.array_split(order, OUTER_FOLDS):
        train = np.setdiff1d(order, part)
        raw.append(ai[part])
        calibrated.append(calibrated_on(train, part, ai, mentor))
        constant.append(np.full(len(part), mentor[train].mean()))
        truth.append(mentor[part])
    y = np.concatenate(truth).tolist()
    return {name: measure(np.concatenate(found).tolist(), y)
            for name, found in (("raw AI", raw), ("calibrated AI", calibrated), ("mentors' mean", constant))}


def learning_curve(ai: np.ndarray, mentor: np.ndarray) -> list[tuple[int, float, float, float]]:
    """Per training size: mean held-out MAE of the raw and calibrated AI over repeats, and
    the share of repeats where calibration made things worse."""
    rng = np.random.default_rng(SEED)
    rows = []
    for size in (s for s in SIZES if s <= len(ai) // 2):  # at least as many held out as fitted
        raw_mae, cal_mae, worse = [], [], 0
        for _ in range(REPEATS):
            order = rng.permutation(len(ai))
            train, test = order[:size], order[size:]
            predicted = calibrated_on(train, test, ai, mentor)
            raw_mae.append(float(np.mean(np.abs(ai[test] - mentor[test]))))
            cal_mae.append(float(np.mean(np.abs(predicted - mentor[test]))))
            worse += cal_mae[-1] > raw_mae[-1] + 1e-9
        rows.append((size, float(np.mean(raw_mae)), float(np.mean(cal_mae)), worse / REPEATS))
    return rows


def show(figures: Figures) -> str:
    r = "  n/a" if figures.correlation is None else f"{figures.correlation:5.3f}"
    return f"MAE {figures.mean_abs_diff:5.1f}  within 10 {figures.within_share * 100:5.1f}%  r {r}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_ZIP)
    parser.add_argument("--per-question", type=int, default=12,
                        help="answers scored per question, in file order (more runs slower)")
    args = parser.parse_args()
    print(f"Mentor = 3-way grade {GRADES} + N(0, {MENTOR_NOISE}); AI = content score; "
          f"{OUTER_FOLDS} outer folds; seed {SEED}")
    for corpus in CORPORA:
        started = time.perf_counter()
        ai, mentor = scored(corpus, args.data, args.per_question)
        print(f"\n{corpus}: {len(ai)} answers scored in {time.perf_counter() - started:.0f} s; "
              f"held-out figures against the mentor:")
        for name, figures in outer_folds(ai, mentor).items():
            print(f"  {name:<14} {show(figures)}")
        print("  learning curve (training reviews: held-out MAE raw -> calibrated, share of runs worse):")
        for size, raw, cal, worse in learning_curve(ai, mentor):
            print(f"    {size:>4}: {raw:5.1f} -> {cal:5.1f}   worse in {worse * 100:3.0f}%")


if __name__ == "__main__":
    main()

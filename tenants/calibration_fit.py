"""Fit a monotone map from the AI's scores to mentors' scores, and judge it honestly.

Two candidates, both monotone (a higher AI score never maps lower): isotonic regression
(pool-adjacent-violators, plain numpy) and a straight line with a positive slope. Each is
judged by k-fold cross-validation: every pair is predicted by a map fitted without it.
The better candidate by held-out mean absolute error is kept only when it beats the raw
AI score on the same held-out pairs; otherwise the AI's score stays as it is.

No Flask, no database: the calibration job and ``benchmarks/calibration.py`` share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aimi.tenants.agreement import Figures, measure

FOLDS = 5
SEED = 2013  # folds are shuffled with a fixed seed, so a re-fit of the same reviews is the same


@dataclass(frozen=True)
class Fit:
    """A fitted map (``params``, for ``predict``) with its held-out figures against the raw
    AI's; ``kept`` says whether it lowered the held-out error."""

    method: str
    params: dict[str, Any]
    n: int
    before: Figures
    after: Figures
    kept: bool


def isotonic(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The non-decreasing step function closest to y (least squares), as knots to
    interpolate between; equal x values are pooled first."""
    knots, inverse = np.unique(x, return_inverse=True)
    weights = np.bincount(inverse).astype(float)
    values = np.bincount(inverse, weights=y) / weights
    blocks: list[list[float]] = []  # [value, weight, knots pooled]
    for value, weight in zip(values, weights, strict=True):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, k2 = blocks.pop()
            v1, w1, k1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, k1 + k2])
    fitted = np.repeat([b[0] for b in blocks], [int(b[2]) for b in blocks])
    return {"x": [round(float(v), 3) for v in knots], "y": [round(float(v), 3) for v in fitted]}


def linear(x: np.ndarray, y: np.ndarray) -> dict[str, Any] | None:
    """Least-squares line; None when it would not be increasing (not a calibration)."""
    if np.ptp(x) == 0:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    if slope <= 0:
        return None
    return {"slope": round(float(slope), 5), "intercept": round(float(intercept), 4)}


FITTERS = {"isotonic": isotonic, "linear": linear}


def predict(method: str, params: dict[str, Any], x: np.ndarray | Sequence[float]) -> np.ndarray:
    """Mapped scores, kept within 0-100 (isotonic holds its end values beyond its knots)."""
    x = np.asarray(x, dtype=float)
    if method == "isotonic":
        mapped = np.interp(x, params["x"], params["y"])
    elif method == "linear":
        mapped = params["slope"] * x + params["intercept"]
    else:
        raise ValueError(f"unknown calibration method {method!r}")
    return np.clip(mapped, 0.0, 100.0)


def held_out(method: str, x: np.ndarray, y: np.ndarray, folds: int = FOLDS) -> np.ndarray | None:
    """Each pair predicted by the map fitted on the other folds (None if a fold cannot fit)."""
    order = np.random.default_rng(SEED).permutation(len(x))
    out = np.empty(len(x))
    for part in np.array_split(order, folds):
        train = np.setdiff1d(order, part)
        params = FITTERS[method](x[train], y[train])
        if params is None:
            return None
        out[part] = predict(method, params, x[part])
    return out


def fit(ai: Sequence[float], mentor: Sequence[float], folds: int = FOLDS) -> Fit:
    """The best monotone map by held-out error, fitted on every pair, and whether it beats
    the raw AI score on pairs it was not fitted on."""
    x, y = np.asarray(ai, dtype=float), np.asarray(mentor, dtype=float)
    if len(x) < folds * 2:
        raise ValueError(f"need at least {folds * 2} pairs to cross-validate, not {len(x)}")
    before = measure(x.tolist(), y.tolist())
    best: tuple[str, np.ndarray] | None = None
    for method in FITTERS:
        predicted = held_out(method, x, y, folds)
        if predicted is not None and (best is None or _mae(predicted, y) < _mae(best[1], y)):
            best = (method, predicted)
    if best is None:
        return Fit("none", {}, len(x), before, before, False)
    method, predicted = best
    after = measure(predicted.tolist(), y.tolist())
    params = FITTERS[method](x, y)
    return Fit(method, params or {}, len(x), before, after, _mae(predicted, y) < _mae(x, y))


def _mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a - b)))

"""How close two sets of scores are: the figures Analytics, the review queue, the
calibration and its benchmark all report, computed one way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import StatisticsError, correlation, mean

WITHIN = 10.0  # points: "agrees" means at most this far apart
MIN_FOR_CORRELATION = 3


@dataclass(frozen=True)
class Figures:
    """``n`` pairs; mean absolute difference (points), share within ``WITHIN`` (0-1) and
    Pearson's r (None below ``MIN_FOR_CORRELATION`` pairs or when either side is constant)."""

    n: int
    mean_abs_diff: float | None
    within_share: float | None
    correlation: float | None


def measure(ai: Sequence[float], mentor: Sequence[float]) -> Figures:
    if len(ai) != len(mentor):
        raise ValueError("measure needs as many AI scores as mentor scores")
    if not ai:
        return Figures(0, None, None, None)
    diffs = [abs(a - m) for a, m in zip(ai, mentor, strict=True)]
    r = None
    if len(ai) >= MIN_FOR_CORRELATION:
        try:
            r = round(correlation(list(ai), list(mentor)), 3)
        except StatisticsError:  # a constant side has no correlation
            r = None
    return Figures(len(ai), round(mean(diffs), 1), round(sum(d <= WITHIN for d in diffs) / len(diffs), 3), r)

"""What legitimate sessions need from the rate limits, against the configured ones.

Each flow is the list of moments (seconds) at which one counter (one user, or one client
address when signed out, at one college) is hit, replayed through the same fixed-window
rule as ``aimi.platform.ratelimit`` (a window opens at its first hit and lasts its
seconds; a hit beyond the limit is refused; a sign-in clears the sign-in counter). The
recorder's timings are read from ``web/static/js/recorder.js``, so the flows follow the
client. Printed per flow: the requests, the most in one window, the limit, and whether a
request would get 429. Flows marked "by design" are bulk work a client must pace by
``Retry-After``; every other flow must pass with the defaults
(``tests/test_rate_limits.py`` checks that).

Run: ``python benchmarks/rate_limits.py`` (``AIMI_RATE_LIMITS`` as in production to check
a deployment's own limits).
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aimi.platform.config import parse_rate_limits

RECORDER_JS = Path(__file__).resolve().parent.parent / "web" / "static" / "js" / "recorder.js"
LONGEST_TAKE = 600  # seconds: the highest "longest voice answer" a college may choose
CATCH_UP_PER_SECOND = 10  # chunks re-sent one after another once a lost connection is back
LOGIN_LIMIT = (10, 300)  # AIMI_LOGIN_RATE_LIMIT / _WINDOW defaults


def recorder_ms(name: str) -> int:
    """A timing constant of recorder.js (``var CHUNK_MS = 1000;``)."""
    found = re.search(rf"var {name} = (\d+);", RECORDER_JS.read_text())
    if found is None:
        raise SystemExit(f"{name} not found in {RECORDER_JS}")
    return int(found.group(1))


@dataclass(frozen=True)
class Flow:
    name: str
    kind: str
    hits: tuple[float, ...]
    clears: tuple[float, ...] = ()  # moments a successful sign-in clears the counter
    by_design: bool = False


def replay(flow: Flow, limit: int, window: int) -> tuple[int, int]:
    """(most hits counted in one window, hits refused) under the fixed-window rule."""
    events = sorted([(t, 0) for t in flow.hits] + [(t, 1) for t in flow.clears])
    start, count, peak, refused = None, 0, 0, 0
    for moment, is_clear in events:
        if is_clear:
            start, count = None, 0
            continue
        if start is None or moment - start >= window:
            start, count = moment, 0
        count += 1
        peak = max(peak, count)
        refused += count > limit
    return peak, refused


def steady(seconds: int, every: float) -> tuple[float, ...]:
    return tuple(i * every for i in range(int(seconds / every)))


def with_outage(seconds: int, every: float, lost_from: int, lost_for: int) -> tuple[float, ...]:
    """A take whose chunks made while offline go up back to back when the line is back."""
    made = steady(seconds, every)
    back = lost_from + lost_for
    waiting = [t for t in made if lost_from <= t < back]
    resent = tuple(back + i / CATCH_UP_PER_SECOND for i in range(len(waiting)))
    return tuple(t for t in made if not lost_from <= t < back) + resent


def class_of(size: int, minutes: int, seed: int) -> list[float]:
    """When each of ``size`` students behind one campus address acts, within ``minutes``."""
    rng = random.Random(seed)
    return sorted(rng.uniform(0, minutes * 60) for _ in range(size))


def flows() -> list[Flow]:
    chunk = recorder_ms("CHUNK_MS") / 1000
    found: list[Flow] = [
        Flow("voice answer, 2 min, steady (one chunk a second)", "upload", steady(120, chunk)),
        Flow(f"longest voice answer ({LONGEST_TAKE} s), steady", "upload", steady(LONGEST_TAKE, chunk)),
        Flow("voice answer, 2 min, 60 s offline mid-way, then catch-up", "upload",
             with_outage(120, chunk, 30, 60)),
        Flow("longest voice answer recorded offline, uploaded after Stop", "upload",
             with_outage(LONGEST_TAKE, chunk, 0, LONGEST_TAKE)),
        Flow("mentor tries 20 sample answers while writing a bank (10 min)", "scoring",
             tuple(sorted(class_of(20, 10, seed=1)))),
    ]
    students = class_of(120, 20, seed=2)
    found.append(Flow("class of 120 registers from one campus address in 20 min, 1 in 3 twice "
                      "(weak password refused)", "register",
                      tuple(sorted([*students, *(t + 30 for t in students[::3])]))))
    forgot = class_of(30, 15, seed=3)
    found.append(Flow("30 of a class reset their password from one address in 15 min "
                      "(request, new password, one refused)", "reset",
                      tuple(sorted([*forgot, *(t + 60 for t in forgot), *(t + 90 for t in forgot)]))))
    arrive = class_of(120, 5, seed=4)
    typo = arrive[::10]
    found.append(Flow("class of 120 signs in from one address in 5 min, 1 in 10 mistypes once",
                      "login", tuple(sorted([*typo, *(t + 5 for t in arrive)])),
                      clears=tuple(t + 5.01 for t in arrive)))
    found.append(Flow("integration syncs 5,000 users and 500 interviews' scores (sequential, "
                      "20 requests/s)", "api", steady(750 / 20, 1 / 20)))
    found.append(Flow("integration scores 200 answers through the API at once", "scoring",
                      steady(20, 1 / 10), by_design=True))
    return found


def limits() -> dict[str, tuple[int, int]]:
    configured = parse_rate_limits(os.environ.get("AIMI_RATE_LIMITS"))
    login = (int(os.environ.get("AIMI_LOGIN_RATE_LIMIT", LOGIN_LIMIT[0])),
             int(os.environ.get("AIMI_LOGIN_RATE_WINDOW", LOGIN_LIMIT[1])))
    return {**configured, "login": login}


def check(found: Iterable[Flow], configured: dict[str, tuple[int, int]]) -> list[tuple[Flow, int, int]]:
    """Each flow with its peak and refused hits under ``configured``."""
    return [(flow, *replay(flow, *configured[flow.kind])) for flow in found]


def main() -> None:
    configured = limits()
    print(f"recorder.js: a chunk every {recorder_ms('CHUNK_MS')} ms, retry after "
          f"{recorder_ms('RETRY_MS')} ms; catch-up assumed at {CATCH_UP_PER_SECOND} chunks/s")
    print(f"{'flow':<98} {'kind':<9} {'reqs':>5} {'peak':>5} {'limit':>11}  result")
    for flow, peak, refused in check(flows(), configured):
        allowed, window = configured[flow.kind]
        verdict = "ok" if not refused else f"{refused} refused" + (" (by design)" if flow.by_design else "")
        print(f"{flow.name:<98} {flow.kind:<9} {len(flow.hits):>5} {peak:>5} {allowed:>6}/{window:<4}  "
              f"{verdict}")


if __name__ == "__main__":
    main()

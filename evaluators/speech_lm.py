"""Vocabulary bias for pocketsphinx: rescore its word lattice with a question-biased language model.

pocketsphinx 5's Python API cannot interpolate two n-gram models or raise the probability of
words its model already knows, so the bias is applied one step later: the decoder writes its
lattice (every word hypothesis that survived the search, with acoustic scores) and the best
path is searched again with P(w | h) = (1 - weight) * P_general(w | h) + weight * P_hints(w),
where P_hints is the unigram distribution of the question, its reference answers and
keywords. Words off the hints keep their general trigram probability (scaled by 1 - weight),
so the candidate's own words still win where the audio says them. Filler words ("um", "uh")
are scored apart: a fixed probability wherever they occur, and transparent to the history, so
a hesitation neither needs a context that licenses it nor breaks the trigram of the words
around it.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

# Lattice nodes that are not words: sentence marks and fillers such as <sil> or [NOISE].
NON_WORDS = frozenset({"!NULL", "!SENT_START", "!SENT_END"})
# Language-model contexts kept per lattice node (the search's beam); 4 loses nothing measurable.
CONTEXTS_PER_NODE = 4
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    """Lower-case words as the dictionary spells them (punctuation and digits dropped)."""
    return _TOKEN.findall(text.lower())


@functools.lru_cache(maxsize=256)
def hint_distribution(hints: tuple[str, ...]) -> dict[str, float]:
    """P_hints: each hint word's share of the hint texts. Cached per hints (a question's answers
    share them)."""
    counts = Counter(word for hint in hints for word in tokens(hint))
    total = sum(counts.values())
    return {word: count / total for word, count in counts.items()}


@dataclass(frozen=True)
class Lattice:
    """A pocketsphinx word lattice: node words and start times (seconds), and for each node its
    outgoing links as (target node, acoustic log score of this node's word, posterior)."""

    words: tuple[str, ...]
    starts: tuple[float, ...]
    links: dict[int, tuple[tuple[int, float, float], ...]]
    start: int
    end: int


def read_htk(text: str) -> Lattice:
    """Parse the HTK SLF text that ``Lattice.write_htk`` writes."""
    fields: dict[str, str]
    words: dict[int, str] = {}
    starts: dict[int, float] = {}
    links: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    header: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith(("start=", "end=")):
            key, value = line.split("=", 1)
            header[key] = int(value)
        elif line.startswith(("I=", "J=")):
            fields = dict(part.split("=", 1) for part in line.split())
            if "I" in fields:
                words[int(fields["I"])] = fields["W"]
                starts[int(fields["I"])] = float(fields["t"])
            else:
                links[int(fields["S"])].append((int(fields["E"]), float(fields["a"]), float(fields["p"])))
    count = len(words)
    if not count or "start" not in header or "end" not in header:
        raise ValueError("not an HTK lattice written by pocketsphinx (no nodes or no start/end)")
    return Lattice(tuple(words[i] for i in range(count)), tuple(starts[i] for i in range(count)),
                   {node: tuple(out) for node, out in links.items()}, header["start"], header["end"])


@dataclass(frozen=True)
class PathWord:
    word: str
    start: float
    end: float
    posterior: float


LogProb = Callable[[str, tuple[str, ...]], float]


@dataclass(frozen=True)
class Fillers:
    """Lattice words that are spoken hesitations, and the natural-log probability each gets
    wherever it occurs (instead of the language model's)."""

    words: frozenset[str] = frozenset()
    log_prob: float = 0.0


def best_path(lattice: Lattice, log_prob: LogProb, *, language_weight: float, word_penalty: float,
              filler_penalty: float, fillers: Fillers = Fillers()) -> list[PathWord]:
    """The lattice path with the best acoustic + ``language_weight`` * log_prob score, where
    ``log_prob(word, history)`` (natural log) sees up to two previous words; ``fillers`` keep
    the history as it was. Node order by start time is a topological order, since every link
    goes forward in time."""
    best: dict[int, dict[tuple[str, ...], tuple[float, tuple[int, tuple[str, ...]] | None, float]]]
    best = defaultdict(dict)
    best[lattice.start][("<s>",)] = (0.0, None, 1.0)
    for node in sorted(range(len(lattice.words)), key=lattice.starts.__getitem__):
        states = sorted(best[node].items(), key=lambda item: -item[1][0])[:CONTEXTS_PER_NODE]
        for history, (score, _, _) in states:
            for target, acoustic, posterior in lattice.links.get(node, ()):
                word = lattice.words[target]
                if word == "!SENT_END":
                    added, next_history = language_weight * log_prob("</s>", history), history
                elif word in NON_WORDS or word.startswith(("<", "[", "+")):
                    added, next_history = filler_penalty, history
                elif word in fillers.words:
                    added, next_history = language_weight * fillers.log_prob + word_penalty, history
                else:
                    added = language_weight * log_prob(word, history) + word_penalty
                    next_history = (*history, word)[-2:]
                total = score + acoustic + added
                known = best[target].get(next_history)
                if known is None or known[0] < total:
                    best[target][next_history] = (total, (node, history), posterior)
    if not best[lattice.end]:
        return []
    state: tuple[int, tuple[str, ...]] | None = (
        lattice.end, max(best[lattice.end].items(), key=lambda item: item[1][0])[0])
    path: list[tuple[int, float]] = []
    while state is not None:
        _, back, posterior = best[state[0]][state[1]]
        path.append((state[0], posterior))
        state = back
    path.reverse()
    # A word ends where the next node (word, silence or sentence end) starts; its posterior is
    # that of the link leaving it.
    return [PathWord(lattice.words[node], lattice.starts[node], lattice.starts[path[i + 1][0]],
                     path[i + 1][1])
            for i, (node, _) in enumerate(path[:-1]) if lattice.words[node] not in NON_WORDS]


def biased(general: LogProb, hints: dict[str, float], weight: float) -> LogProb:
    """``general`` mixed with the hint unigrams at ``weight`` (memoised for one lattice)."""
    keep = math.log(1 - weight)

    @functools.lru_cache(maxsize=65536)
    def log_prob(word: str, history: tuple[str, ...]) -> float:
        share = hints.get(word)
        if not share:
            return keep + general(word, history)
        return math.log((1 - weight) * math.exp(general(word, history)) + weight * share)

    return log_prob


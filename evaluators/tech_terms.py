"""Technical tokens as single units, in their written and spoken forms.

A tokenizer splits "O(1)" into "O", "(", "1", ")" and "C++" into "C"; spoken answers say
"order one" or "C plus plus". Each pattern here maps every form of one idea to one canonical
term ("O(1)", "order one" and "constant time" are all ``o(1)``), so a rubric point or keyword
written one way is found when the answer says it another way. Complexity classes are also
compared by ``contradiction``: "O(log n)" where the reference says "O(1)" is a different claim.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# (canonical term, pattern); longer forms first so "n log n" is not read as "log n".
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("o(n log n)", r"\bO\s*\(\s*n\s*\*?\s*log\s*\(?\s*n\s*\)?\s*\)|\b(?:order\s+(?:of\s+)?)?n\s+log\s+n\b"
                   r"|\blinearithmic\b|\bn\s*log\s*n\b"),
    ("o(n^2)", r"\bO\s*\(\s*n\s*(?:\^\s*2|\*\*\s*2|²|\s*\*\s*n)\s*\)"
               r"|\b(?:order\s+(?:of\s+)?)?n[\s-]+squared\b"
               r"|\bquadratic(?:\s+time)?\b|\bn\^2\b|\bn²"),
    ("o(2^n)", r"\bO\s*\(\s*2\s*\^\s*n\s*\)|\bexponential\s+time\b|\b2\s*\^\s*n\b"),
    ("o(log n)", r"\bO\s*\(\s*log\s*\(?\s*n\s*\)?\s*\)|\b(?:order\s+(?:of\s+)?)?log\s+n\b"
                 r"|\blogarithmic(?:\s+time)?\b"
                 r"|\blog\s*(?:base\s*)?2\s*(?:of\s*)?n\b"),
    ("o(1)", r"\bO\s*\(\s*1\s*\)|\border\s+(?:of\s+)?one\b|\bconstant[\s-]+time\b|\bconstant\s+space\b"),
    ("o(n)", r"\bO\s*\(\s*n\s*\)|\border\s+(?:of\s+)?n\b|\blinear[\s-]+time\b|\blinear\s+space\b"),
    ("c++", r"(?<![\w+])C\s*\+\+|\bC\s+plus\s+plus\b|\bcpp\b"),
    ("c#", r"(?<![\w#])C\s*#|\bC[\s-]+sharp\b"),
    (".net", r"(?<!\w)\.NET\b|\bdot[\s-]*net\b"),
    ("node.js", r"\bnode\s*\.?\s*js\b|\bnode\s+j\s*s\b"),
    ("tcp/ip", r"\bTCP\s*/\s*IP\b|\bTCP[\s-]+IP\b"),
    ("3nf", r"\b3\s*NF\b|\bthird\s+normal\s+form\b"),
    ("2nf", r"\b2\s*NF\b|\bsecond\s+normal\s+form\b"),
    ("1nf", r"\b1\s*NF\b|\bfirst\s+normal\s+form\b"),
    ("bcnf", r"\bBCNF\b|\bBoyce[\s-]+Codd(?:\s+normal\s+form)?\b"),
    ("k-means", r"\bk[\s-]*means\b"),
    ("p-value", r"\bp[\s-]*values?\b"),
    ("sql", r"\bSQL\b|\bsequel\b|\bS\s+Q\s+L\b"),
    ("a/b test", r"\bA\s*/\s*B\s+test(?:s|ing)?\b|\bA\s+B\s+test(?:s|ing)?\b|\bsplit\s+test(?:s|ing)?\b"),
)
_COMPILED = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _PATTERNS)
COMPLEXITIES = frozenset(name for name, _ in _PATTERNS if name.startswith("o("))
CANONICAL = frozenset(name for name, _ in _PATTERNS)


@dataclass(frozen=True)
class TechSpan:
    term: str  # canonical form, e.g. "o(1)"
    start: int
    end: int


@functools.lru_cache(maxsize=8192)
def find(text: str) -> tuple[TechSpan, ...]:
    """Non-overlapping technical tokens of ``text``, in order (earlier patterns win overlaps)."""
    taken: list[TechSpan] = []
    for name, pattern in _COMPILED:
        for match in pattern.finditer(text):
            start, end = match.span()
            if not any(start < t.end and t.start < end for t in taken):
                taken.append(TechSpan(name, start, end))
    return tuple(sorted(taken, key=lambda t: t.start))

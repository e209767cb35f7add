"""The scorer's evidence laid over the answer text: which characters were a rubric point
covered, a filler word or a part of the answer's structure (STAR, idea/explanation/example).

Spans overlap (a filler inside a STAR sentence), so the text is cut at every span edge
and each piece carries every kind that covers it; the page and the PDF draw from the same
pieces. Everything that is not our own markup is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    kind: str  # "covered", "filler" or "part-<name>"
    label: str


@dataclass(frozen=True)
class Segment:
    text: str
    marks: tuple[Mark, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.kind for m in self.marks))


def marks(report: dict[str, Any] | None) -> list[Mark]:
    """Every highlightable span of one answer's report."""
    dims = (report or {}).get("dimensions") or {}
    found: list[Mark] = []
    content = (dims.get("content") or {}).get("evidence") or {}
    criteria = content.get("points_source") == "criteria"
    for point in content.get("points_covered") or []:
        label = f"{'Criterion met' if criteria else 'Rubric point covered'}: {point.get('point', '')}"
        spans = [item.get("span") for item in point.get("spans") or [] if isinstance(item, dict)]
        for span in spans or [point.get("span")]:
            found += _mark(span, "covered", label)
    fillers = ((dims.get("delivery") or {}).get("evidence") or {}).get("fillers") or {}
    for item in fillers.get("items") or []:
        found += _mark(item.get("span"), "filler", f"Filler: {item.get('word', '')}")
    parts = ((dims.get("structure") or {}).get("evidence") or {}).get("parts") or {}
    for name, value in parts.items():
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, dict):
                found += _mark(part.get("span"), f"part-{name}", name.capitalize())
    return found


def _mark(span: Any, kind: str, label: str) -> list[Mark]:
    if not (isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(v, int) for v in span)):
        return []
    return [Mark(span[0], span[1], kind, label)] if span[0] < span[1] else []


def segments(text: str, report: dict[str, Any] | None) -> list[Segment]:
    """The text in pieces, each with the marks covering all of it (spans beyond the text
    are clipped; a report of another text cannot break the page)."""
    found = [Mark(max(0, m.start), min(len(text), m.end), m.kind, m.label) for m in marks(report)]
    found = [m for m in found if m.start < m.end]
    edges = sorted({0, len(text), *(m.start for m in found), *(m.end for m in found)})
    pieces = []
    for start, end in zip(edges, edges[1:], strict=False):
        covering = tuple(m for m in found if m.start <= start and end <= m.end)
        pieces.append(Segment(text[start:end], covering))
    return pieces


def highlighted(text: str, report: dict[str, Any] | None) -> Markup:
    """The answer as HTML with ``<mark class="ev ev--<kind>">`` around the evidence."""
    html = []
    for piece in segments(text, report):
        if not piece.marks:
            html.append(escape(piece.text))
            continue
        classes = " ".join(f"ev--{kind}" for kind in piece.kinds)
        title = "; ".join(dict.fromkeys(m.label for m in piece.marks))
        html.append(Markup('<mark class="ev {}" title="{}">{}</mark>').format(classes, title, piece.text))
    return Markup("").join(html)

"""Charts drawn on the server as inline SVG: no script, no chart library, nothing fetched.

Each chart is a ``<figure>``: the SVG is an image named by its ``<title>`` and described by
its ``<desc>``, every value is also written as text (point tooltips, bar and cell labels),
and a table with the same data follows for screen readers and for anyone who prefers
numbers. Colours come from the Okabe-Ito palette (distinguishable with colour blindness)
and lines also differ by dash pattern; text uses ``currentColor`` so both themes work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
FONT = 'font-size="12" fill="currentColor"'
SCALE = (0, 25, 50, 75, 100)


def _num(value: object) -> str:
    """A value as the chart and its table write it: scores to one decimal, "—" for none."""
    if value is None:
        return "—"
    if not isinstance(value, int | float):
        return str(value)
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _figure(chart_id: str, title: str, desc: str, width: int, height: int, body: str,
            header: Sequence[str], rows: Sequence[Sequence[object]], after: str = "") -> Markup:
    table = "".join(
        "<tr>" + f"<th scope=\"row\">{escape(row[0])}</th>"
        + "".join(f"<td class=\"num\">{escape(_num(v))}</td>" for v in row[1:]) + "</tr>"
        for row in rows)
    head = "".join(f"<th scope=\"col\">{escape(h)}</th>" for h in header)
    cid = escape(chart_id)
    return Markup(
        f'<figure class="chart" id="{cid}">'
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{cid}-t {cid}-d">'
        f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(desc)}</desc>'
        f"{body}</svg>{after}"
        f"<details><summary>{escape(title)}: the data as a table</summary><div class=\"table-wrap\">"
        f"<table class=\"table table--compact\"><thead><tr>{head}</tr></thead><tbody>{table}</tbody></table>"
        f"</div></details></figure>")


def _y_axis(left: int, right: int, top: int, plot_h: int) -> str:
    parts = []
    for tick in SCALE:
        y = top + plot_h - plot_h * tick / 100
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="currentColor" '
                     f'stroke-opacity="0.2"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
                     f"{tick}</text>")
    return "".join(parts)


def line_chart(chart_id: str, title: str, desc: str, labels: Sequence[str],
               series: Mapping[str, Sequence[float | None]]) -> Markup:
    """Scores from 0 to 100 over a sequence (e.g. interviews by date), one line per series;
    a missing value (None) breaks nothing, the point is simply absent."""
    width, height, left, right, top, bottom = 640, 280, 44, 36, 12, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / (len(labels) - 1) if len(labels) > 1 else 0

    def x(i: int) -> float:
        return left + (step * i if len(labels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * max(0.0, min(100.0, v)) / 100

    body = [_y_axis(left, width - right, top, plot_h)]
    every = max(1, -(-len(labels) // 8))  # at most about 8 labels on the axis
    ticks = [i for i in range(len(labels)) if i % every == 0 or i == len(labels) - 1]
    for n, i in enumerate(reversed(ticks)):
        # Every other label, counted from the latest, is "minor": a phone, drawing the
        # labels larger for the smaller chart, shows only the others.
        minor = ' class="chart-tick--minor"' if n % 2 else ""
        body.append(f'<text{minor} x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" {FONT}>'
                    f"{escape(labels[i])}</text>")
    legend = []
    for n, (name, values) in enumerate(series.items()):
        colour, pattern = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
        dash = f' stroke-dasharray="{pattern}"' if pattern else ""
        points = [(x(i), y(v), v, labels[i]) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _v, _l in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        body.extend(f'<circle class="chart-point" data-series="{escape(name)}" cx="{px:.1f}" cy="{py:.1f}" '
                    f'r="4" fill="{colour}"><title>{escape(name)}: {_num(v)} ({escape(label)})</title>'
                    "</circle>"
                    for px, py, v, label in points)
        legend.append(f'<li><svg width="28" height="10" aria-hidden="true" focusable="false"><line x1="0" '
                      f'x2="28" y1="5" y2="5" stroke="{colour}" stroke-width="3"{dash}/></svg> '
                      f"{escape(name)}</li>")
    names = list(series)
    rows = [[label, *[series[name][i] for name in names]] for i, label in enumerate(labels)]
    after = ('<ul class="cluster chart-legend list-plain" aria-hidden="true">'
             f'{"".join(legend)}</ul>')
    return _figure(chart_id, title, desc, width, height, "".join(body), ["", *names], rows, after)


def bar_chart(chart_id: str, title: str, desc: str, items: Sequence[tuple[str, float]],
              value_label: str = "Value", maximum: float | None = None) -> Markup:
    """Horizontal bars, longest first as given, each labelled with its value."""
    width, left, bar_h, gap = 640, 200, 22, 8
    height = max(1, len(items)) * (bar_h + gap) + gap
    top = max([maximum or 0.0, *[v for _l, v in items]]) or 1.0
    body = []
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_h + gap)
        length = (width - left - 60) * value / top
        body.append(
            f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" {FONT}>'
            f"{escape(label[:32])}</text>"
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {_num(value)}</title></rect>"
            f'<text x="{left + length + 6:.1f}" y="{y + bar_h * 0.7:.1f}" {FONT}>{_num(value)}</text>')
    return _figure(chart_id, title, desc, width, height, "".join(body), ["", value_label],
                   [[label, value] for label, value in items])


def heat_colour(value: float) -> tuple[str, str]:
    """Fill and text colour of a 0-100 score: red (low) through yellow to green (high)."""
    stops = ((0, (178, 24, 43)), (50, (254, 224, 139)), (100, (26, 152, 80)))
    value = max(0.0, min(100.0, value))
    (a, ca), (b, cb) = (stops[0], stops[1]) if value <= 50 else (stops[1], stops[2])
    t = (value - a) / (b - a)
    rgb = [round(p + (q - p) * t) for p, q in zip(ca, cb, strict=True)]
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # The better WCAG contrast of black or white text: at least 4.58:1 whatever the fill.
    dark_text = (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05)
    return "#{:02x}{:02x}{:02x}".format(*rgb), "#000000" if dark_text else "#ffffff"


def heatmap(chart_id: str, title: str, desc: str, rows: Sequence[str], columns: Sequence[str],
            values: Sequence[Sequence[float | None]], links: Sequence[str] | None = None) -> Markup:
    """A grid of 0-100 scores (rows × columns), each cell coloured and labelled with its value;
    with ``links``, each row's name links to that address (one per row)."""
    left, top, cell_w, cell_h = 200, 28, 84, 28
    width, height = left + cell_w * max(1, len(columns)) + 4, top + cell_h * max(1, len(rows)) + 4
    body = [f'<text x="{left + cell_w * (j + 0.5):.1f}" y="{top - 10}" text-anchor="middle" {FONT}>'
            f"{escape(column[:12])}</text>" for j, column in enumerate(columns)]
    for i, row in enumerate(rows):
        y = top + i * cell_h
        label = (f'<text x="{left - 8}" y="{y + cell_h * 0.65:.1f}" text-anchor="end" {FONT}>'
                 f"{escape(row[:30])}</text>")
        body.append(f'<a href="{escape(links[i])}">{label}</a>' if links else label)
        for j, value in enumerate(values[i]):
            x = left + j * cell_w
            fill, ink = heat_colour(value) if value is not None else ("none", "currentColor")
            body.append(
                f'<g class="heat-cell"><rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{fill}" stroke="currentColor" stroke-opacity="0.15"/>'
                f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h * 0.65:.1f}" text-anchor="middle" '
                f'font-size="12" fill="{ink}">{_num(value)}</text>'
                f"<title>{escape(row)}, {escape(columns[j])}: {_num(value)}</title></g>")
    table_rows = [[row, *values[i]] for i, row in enumerate(rows)]
    return _figure(chart_id, title, desc, width, height, "".join(body), ["", *columns], table_rows)

"""Charts drawn on the server as inline SVG (issue 13, items 3 and 4).

A report's trend or distribution is a handful of numbers; a charting library in the
browser (and a CDN to fetch it from) buys nothing here, and an SVG written by the server
shows in every browser, prints, reads without JavaScript and is part of the page's HTML,
so a test can read it. Labels are escaped; each bar or point carries a ``<title>`` with
its exact value (a tooltip), and the chart an ``aria-label``, for screen readers.
Colours come from ``mojster.css`` (``.lms-chart``).
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 12, 40


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _frame(title: str, body: list[str], top: float, unit: str) -> Markup:
    """The chart's box, its y axis from 0 to ``top`` with three gridlines, and ``body``."""
    plot_height = HEIGHT - _TOP - _BOTTOM
    parts = [
        f'<svg class="lms-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for step in range(4):
        y = _TOP + plot_height - plot_height * step / 3
        parts.append(
            f'<line class="lms-chart-grid" x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}"/>'
            f'<text class="lms-chart-axis" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_number(top * step / 3)}{escape(unit)}</text>"
        )
    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every label and title above went through escape()


def _x_labels(labels: Sequence[str], slot: float) -> list[str]:
    """Every label when they fit, else every n-th, so twelve weeks or thirty days stay readable."""
    every = max(1, round(len(labels) / 12))
    y = HEIGHT - _BOTTOM + 16
    return [
        f'<text class="lms-chart-axis" x="{_LEFT + slot * (index + 0.5):.1f}" y="{y}" text-anchor="middle">'
        f"{escape(label)}</text>"
        for index, label in enumerate(labels)
        if index % every == 0
    ]


def bars(points: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> Markup:
    """One bar per (label, value): a week's completions, a module's use."""
    top = max((value for _label, value in points), default=0) or 1
    plot_width = WIDTH - _LEFT - _RIGHT
    plot_height = HEIGHT - _TOP - _BOTTOM
    slot = plot_width / max(len(points), 1)
    body = []
    for index, (label, value) in enumerate(points):
        height = plot_height * value / top
        body.append(
            f'<rect class="lms-chart-bar" x="{_LEFT + slot * index + slot * 0.15:.1f}" '
            f'y="{_TOP + plot_height - height:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}">'
            f"<title>{escape(label)}: {_number(value)}{escape(unit)}</title></rect>"
        )
    body.extend(_x_labels([label for label, _value in points], slot))
    return _frame(title, body, top, unit)


def line(points: Sequence[tuple[str, float | None]], *, title: str, unit: str = "") -> Markup:
    """A line through (label, value); None leaves a gap (a week with nothing to measure)."""
    values = [value for _label, value in points if value is not None]
    top = max(values, default=0) or 1
    plot_width = WIDTH - _LEFT - _RIGHT
    plot_height = HEIGHT - _TOP - _BOTTOM
    slot = plot_width / max(len(points), 1)
    body = []
    path: list[str] = []
    for index, (label, value) in enumerate(points):
        if value is None:
            if path:
                body.append(f'<polyline class="lms-chart-line" points="{" ".join(path)}"/>')
            path = []
            continue
        x = _LEFT + slot * (index + 0.5)
        y = _TOP + plot_height - plot_height * value / top
        path.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle class="lms-chart-point" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{escape(label)}: {_number(value)}{escape(unit)}</title></circle>"
        )
    if path:
        body.insert(0, f'<polyline class="lms-chart-line" points="{" ".join(path)}"/>')
    body.extend(_x_labels([label for label, _value in points], slot))
    return _frame(title, body, top, unit)

"""Charts as plain SVG built on the server: the same chart in the page and in the PDF,
no JavaScript and no network."""

import datetime as dt
from decimal import Decimal
from html import escape


def bar_chart(items: list[tuple[str, float | int | Decimal]], *, width: int = 560, bar_height: int = 22,
              unit: str = "", colour: str = "#c8102e", title: str = "") -> str:
    """Horizontal bars, one per (label, value); returns an <svg> string (safe to mark_safe)."""
    label_w = 110
    top = 24 if title else 4
    height = top + len(items) * (bar_height + 6) + 4
    peak = max((float(v) for _, v in items), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}">']
    if title:
        parts.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_height + 6)
        w = max(1.0, (width - label_w - 90) * float(value) / peak)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_height * 0.72:.1f}" font-size="12" text-anchor="end">{escape(str(label))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}" rx="2"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.72:.1f}" font-size="12">{escape(_fmt(value))}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points: list[tuple[str, float | int | Decimal]], *, width: int = 560, height: int = 200,
               colour: str = "#0969da", title: str = "") -> str:
    """A simple line over time; labels are shown for the first, middle and last point."""
    n = len(points)
    peak = max((float(v) for _, v in points), default=0) or 1
    # room on the left for the peak's label, however many digits it has
    pad_l, pad_b, top = max(40, 7 * len(_fmt(peak)) + 10), 24, 24 if title else 8
    inner_w, inner_h = width - pad_l - 10, height - pad_b - top
    coords = [(pad_l + inner_w * f, top + inner_h * (1 - float(v) / peak))
              for f, (_, v) in zip(x_fractions([label for label, _ in points]), points, strict=True)]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}">']
    if title:
        parts.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>')
    parts.append(f'<line x1="{pad_l}" y1="{top + inner_h}" x2="{width - 10}" y2="{top + inner_h}" stroke="#999"/>')
    parts.append(f'<text x="{pad_l - 4}" y="{top + 10}" font-size="11" text-anchor="end">{escape(_fmt(peak))}</text>')
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i in sorted({0, n // 2, n - 1}):
            x = coords[i][0]
            if 0 < i < n - 1 and min(x - coords[0][0], coords[-1][0] - x) < 60:
                continue  # a date close to either end: its label would print over theirs
            # the first and last labels hang inwards so the chart's edges don't cut them off
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="{anchor}">{escape(str(points[i][0]))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _as_date(label) -> dt.date | None:
    """``2026-01`` or ``2026-01-15`` (or a date) as a date; None for any other label."""
    if isinstance(label, dt.date):
        return label
    text = str(label)
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        return None
    return None


def x_fractions(labels: list) -> list[float]:
    """Where each point sits along the axis, 0 to 1: by time when every label is a month or a
    day (2021-07, 2026-01 and 2026-12 are not evenly spaced), evenly otherwise (第1期, 第2期)."""
    n = len(labels)
    dates = [_as_date(label) for label in labels]
    if n > 1 and all(dates):
        days = [d.toordinal() for d in dates]  # type: ignore[union-attr]
        first, span = min(days), max(days) - min(days)
        if span > 0:
            return [(d - first) / span for d in days]
    return [i / max(n - 1, 1) for i in range(n)]


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral():
        return str(value.quantize(Decimal(1)))
    return str(value)

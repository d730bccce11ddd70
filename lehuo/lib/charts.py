"""Charts as plain SVG built on the server: the same chart in the page and in the PDF,
no JavaScript and no network."""

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
    coords = [(pad_l + (inner_w * i / max(n - 1, 1)), top + inner_h * (1 - float(v) / peak)) for i, (_, v) in enumerate(points)]
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
            # the first and last labels hang inwards so the chart's edges don't cut them off
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="{anchor}">{escape(str(points[i][0]))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral():
        return str(value.quantize(Decimal(1)))
    return str(value)

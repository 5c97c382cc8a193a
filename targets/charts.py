"""Small SVG charts drawn on the server: no chart library, nothing from a CDN.

A count: bars for each quarter's value, the cumulative line, and the expected
line rising from zero to the target at the end of the term. A ratio: the
percentage per quarter against its threshold.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

BAR = "#8b1a1a"
LINE = "#1f4e79"
EXPECTED = "#a36100"
GRID = "#dee2e6"


def _points(values, x_of, y_of) -> str:
    return " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in values if v is not None)


def count_chart(
    *,
    labels: list[str],
    values: list[int | None],
    cumulative: list[int | None],
    target: float | None,
    total: int,
    title: str,
    width: int = 240,
    height: int = 64,
) -> str:
    """Quarter bars, cumulative line, expected line. `labels` are the term's quarters."""
    pad = 4
    top = max([c for c in cumulative if c is not None] + [target or 0, 1])
    bar_top = max([v for v in values if v is not None] + [1])
    step = (width - 2 * pad) / max(total, 1)

    def x_of(i):
        return pad + step * (i + 0.5)

    def y_cum(v):
        return height - pad - (height - 2 * pad) * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" class="chart"><title>{escape(title)}</title>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="{GRID}"/>',
    ]
    for i, v in enumerate(values):
        if v:
            h = (height - 2 * pad) * 0.45 * v / bar_top
            parts.append(
                f'<rect x="{x_of(i) - step * 0.35:.1f}" y="{height - pad - h:.1f}" width="{step * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{BAR}" opacity="0.55"><title>{escape(labels[i])}: {v}</title></rect>'
            )
    if target:
        parts.append(
            f'<line x1="{pad}" y1="{y_cum(0):.1f}" x2="{width - pad}" y2="{y_cum(target):.1f}" '
            f'stroke="{EXPECTED}" stroke-dasharray="4 3" stroke-width="1.2"/>'
        )
    line = _points(list(enumerate(cumulative)), x_of, y_cum)
    if line:
        parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text only


def ratio_chart(
    *,
    labels: list[str],
    percents: list[float | None],
    threshold: float,
    title: str,
    width: int = 240,
    height: int = 64,
) -> str:
    """Percent per quarter (0–100) against the threshold line."""
    pad = 4
    total = len(labels)
    step = (width - 2 * pad) / max(total, 1)
    low = min([p for p in percents if p is not None] + [threshold, 100]) - 5
    low = max(0, min(low, 80))

    def x_of(i):
        return pad + step * (i + 0.5)

    def y_of(v):
        return height - pad - (height - 2 * pad) * (v - low) / (100 - low or 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" class="chart"><title>{escape(title)}</title>',
        f'<line x1="{pad}" y1="{y_of(threshold):.1f}" x2="{width - pad}" y2="{y_of(threshold):.1f}" '
        f'stroke="{EXPECTED}" stroke-dasharray="4 3" stroke-width="1.2"/>',
    ]
    line = _points(list(enumerate(percents)), x_of, y_of)
    if line:
        parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for i, p in enumerate(percents):
        if p is not None:
            parts.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(p):.1f}" r="2" fill="{LINE}">'
                f"<title>{escape(labels[i])}: {p:.1f}%</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text only

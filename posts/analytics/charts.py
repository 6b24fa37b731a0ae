"""Charts drawn on the server as inline SVG: no script, no library, prints as it shows."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from posts.analytics.selectors import Series

WIDTH, HEIGHT, PAD = 600, 160, 24


def line_chart(series: Series) -> SafeString:
    """A line (levels such as followers) or bars (daily sums) of the period's days, with
    a text alternative naming the figure and its change."""
    points = series.points
    values = [v for _, v in points if v is not None]
    top = max(values, default=0) or 1
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)
    inner = HEIGHT - 2 * PAD

    def y(value: int) -> float:
        return round(HEIGHT - PAD - inner * value / top, 1)

    title = f"{series.label}: {series.total:,} over the period"
    if series.change is not None:
        title += f" ({series.change:+.1f}% against the period before)"
    if series.metric == "followers":
        coords = " ".join(
            f"{round(PAD + i * step, 1)},{y(v)}" for i, (_, v) in enumerate(points) if v is not None
        )
        body = format_html(
            '<polyline fill="none" stroke="currentColor" stroke-width="2" points="{}"/>', coords
        )
    else:
        width = max(1.0, step * 0.7)
        body = format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
            (
                (
                    round(PAD + i * step - width / 2, 1),
                    y(v),
                    round(width, 1),
                    round(HEIGHT - PAD - y(v), 1),
                    day.isoformat(),
                    v,
                )
                for i, (day, v) in enumerate(points)
                if v
            ),
        )
    first, last = points[0][0], points[-1][0]
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" '
        'preserveAspectRatio="none"><title>{title}</title>'
        '<line class="chart-axis" x1="{p}" y1="{base}" x2="{end}" y2="{base}"/>{body}'
        '<text x="{p}" y="{h}" class="chart-label">{first}</text>'
        '<text x="{end}" y="{h}" class="chart-label" text-anchor="end">{last}</text>'
        '<text x="{p}" y="{top_y}" class="chart-label">{top}</text></svg>',
        w=WIDTH,
        h=HEIGHT,
        p=PAD,
        end=WIDTH - PAD,
        base=HEIGHT - PAD,
        top_y=PAD - 6,
        top=f"{top:,}",
        title=title,
        body=body,
        first=first.isoformat(),
        last=last.isoformat(),
    )

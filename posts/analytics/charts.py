"""Charts drawn on the server as inline SVG: no script, no library, prints as it shows."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from posts.analytics.selectors import Series

WIDTH, HEIGHT, PAD = 600, 160, 24


def line_chart(series: Series) -> SafeString:
    """A line (levels such as followers) or bars (daily sums) of the period's days, with
    a text alternative naming the figure and its change."""
    points = series.points
    values = [v for _day, v in points if v is not None]
    top = max(values, default=0) or 1
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)
    inner = HEIGHT - 2 * PAD

    def y(value: int) -> float:
        return round(HEIGHT - PAD - inner * value / top, 1)

    if series.change is None:
        title = _("%(metric)s: %(total)s over the period") % {
            "metric": series.label,
            "total": f"{series.total:,}",
        }
    else:
        title = _(
            "%(metric)s: %(total)s over the period (%(change)s%% against the period before)"
        ) % {
            "metric": series.label,
            "total": f"{series.total:,}",
            "change": f"{series.change:+.1f}",
        }
    # Only numbers and ISO dates go into the drawing itself (drawn with plain formatting:
    # a year of bars is 365 elements, too many to escape one by one); text is escaped.
    if series.metric == "followers":
        coords = " ".join(
            f"{PAD + i * step:.1f},{y(v)}" for i, (_, v) in enumerate(points) if v is not None
        )
        body = mark_safe(  # noqa: S308 - numbers only
            f'<polyline fill="none" stroke="currentColor" stroke-width="2" points="{coords}"/>'
        )
    else:
        width = max(1.0, step * 0.7)
        body = mark_safe(  # noqa: S308 - numbers and ISO dates only
            "".join(
                f'<rect x="{PAD + i * step - width / 2:.1f}" y="{y(v)}" width="{width:.1f}" '
                f'height="{HEIGHT - PAD - y(v):.1f}">'
                f"<title>{day.isoformat()}: {int(v)}</title></rect>"
                for i, (day, v) in enumerate(points)
                if v
            )
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

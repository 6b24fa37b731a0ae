"""The Analytics page of an organization: totals with their change, charts, top posts and
what each channel's network gives; its printable report and its CSV. Anyone in the
organization may look; asking for fresh counts needs posts.publish."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from integrations.providers.base.data import METRIC_NAMES
from integrations.selectors import customer_get, customers_for, integration_get
from organizations.access import organization_view
from posts import calendar as cal
from posts.analytics import selectors as sel
from posts.analytics.charts import line_chart
from posts.analytics.services import post_metrics_refresh
from posts.links import selectors as link_sel
from posts.plugs import selectors as plug_sel


def _filters(request) -> dict:
    """The page's filters from the query; an unknown or another organization's customer
    or channel is a 404, like everywhere."""
    organization = request.organization
    raw_days = request.GET.get("days", "")
    days = int(raw_days) if raw_days.isdigit() and int(raw_days) in sel.PERIODS else None
    customer = channel = None
    if request.GET.get("customer"):
        customer = customer_get(organization=organization, pk=request.GET["customer"])
        if customer is None:
            raise Http404
    if request.GET.get("channel"):
        channel = integration_get(organization=organization, pk=request.GET["channel"])
        if channel is None:
            raise Http404
    return {"days": days or sel.DEFAULT_PERIOD, "customer": customer, "channel": channel}


def _context(request, filters: dict) -> dict:
    organization = request.organization
    found = sel.overview(organization=organization, **filters)
    # Short-link clicks beside the networks' counts (-- short links).
    clicks = link_sel.clicks_by_post(
        organization=organization, post_ids=[post.pk for post in found.top]
    )
    for post in found.top:
        post.link_clicks = clicks.get(post.pk)
    # What plugs did with these posts: fired when, and where (-- plugs).
    runs = plug_sel.runs_of_posts(post_ids=[post.pk for post in found.top])
    for post in found.top:
        post.plug_outcomes = runs.get(post.pk, [])
    start, end = found.period.bounds()
    link_top = link_sel.top_clicked_posts(
        organization=organization,
        start=start,
        end=end,
        channel=filters["channel"],
        customer=filters["customer"],
    )
    query = {k: v for k, v in request.GET.items() if k in ("customer", "channel", "days")}
    return {
        "organization": organization,
        "found": found,
        "charts": [(s, line_chart(s)) for s in found.series],
        "periods": sel.PERIODS,
        "days": filters["days"],
        "customer": filters["customer"],
        "channel": filters["channel"],
        "customers": list(customers_for(organization=organization)),
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
        "can_refresh": request.membership.can("posts.publish"),
        "none_networks": sorted(
            {n.channel.provider_name for n in found.notes if n.analytics == "none"}
        ),
        "here": request.get_full_path(),
        "link_top": link_top,
    }


@organization_view("organization.view")
@require_GET
def analytics(request):
    """The page, or its CSV with ?format=csv: what the page shows; with &rows=posts every
    post's latest counts; with &rows=channels each channel's counts per day."""
    filters = _filters(request)
    context = _context(request, filters)
    if request.GET.get("format") == "csv":
        rows = request.GET.get("rows")
        if rows == "posts":
            return _posts_csv(request, filters)
        if rows == "channels":
            return _channels_csv(request, filters)
        return _csv(context)
    return render(request, "posts/analytics.html", context)


@organization_view("organization.view")
@require_GET
def report(request):
    """The printable report of one customer (or of every channel)."""
    context = _context(request, _filters(request))
    return render(request, "posts/analytics_report.html", context)


def _csv(context) -> HttpResponse:
    """What the page shows: each series' days, then the top posts."""
    found = context["found"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"analytics-{context['organization'].slug}-{found.period.start}-{found.period.end}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    out = csv.writer(response)
    out.writerow(
        ["section", "metric", "date", "value", "period_total", "previous_total", "change_percent"]
    )
    for series in found.series:
        change = "" if series.change is None else series.change
        for day, value in series.points:
            out.writerow(
                [
                    series.source,
                    series.metric,
                    day.isoformat(),
                    "" if value is None else value,
                    series.total,
                    series.previous,
                    change,
                ]
            )
    out.writerow([])
    out.writerow(["top_post", "channel", "published_at", "engagement", "url", "text"])
    for post in found.top:
        out.writerow(
            [
                str(post.public_id),
                post.integration.name,
                post.published_at.isoformat() if post.published_at else "",
                post.engagement,
                post.remote_url,
                _cell(post.preview),
            ]
        )
    return response


class _Echo:
    def write(self, value):
        return value


def _streamed(request, filters: dict, kind: str, rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    name = f"analytics-{kind}-{request.organization.slug}-{filters['days']}d"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _posts_csv(request, filters: dict) -> StreamingHttpResponse:
    """Every post published in the period with its latest counts, one column per metric
    (streamed: a year of an agency's posts is never held in memory)."""

    def rows():
        yield ["post_id", "channel", "published_at", "url", *METRIC_NAMES, "text"]
        for post, counts in sel.export_post_counts(organization=request.organization, **filters):
            yield [
                str(post.public_id),
                post.integration.name,
                post.published_at.isoformat() if post.published_at else "",
                post.remote_url,
                *(counts.get(metric, "") for metric in METRIC_NAMES),
                _cell(post.preview),
            ]

    return _streamed(request, filters, "posts", rows())


def _channels_csv(request, filters: dict) -> StreamingHttpResponse:
    """Each channel's own counts per day (followers, impressions…), as its network gives."""

    def rows():
        yield ["channel", "date", "metric", "value"]
        for name, day, metric, value in sel.export_channel_counts(
            organization=request.organization, **filters
        ).iterator(chunk_size=2000):
            yield [name, day.isoformat(), metric, value]

    return _streamed(request, filters, "channels", rows())


def _cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: never run a post's text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@organization_view("posts.publish")
@require_POST
def refresh(request, post_id):
    """Ask for a post's counts now (the calendar's popover and the page's top posts)."""
    post = cal.post_get(organization=request.organization, public_id=post_id)
    if post is None:
        raise Http404
    if post_metrics_refresh(post=post):
        messages.success(request, _("Fresh counts were asked for; they appear in a minute."))
    else:
        messages.info(request, _("This post has no counts to fetch from its network."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("posts:analytics", args=[request.organization.slug]))

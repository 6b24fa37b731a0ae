"""The calendar (week, day, month and list views) and moving a post in time.

Times are read and shown in the viewer's zone (their own, else the organization's), and the
zone is named on the page. Only the visible range is queried, in a fixed number of queries.
"""

from __future__ import annotations

import posixpath
from datetime import time
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.clock import format_time, format_when, hour12_for
from organizations.access import organization_view
from posts import calendar as cal
from posts import calendar_grid as cal_grid
from posts.analytics.selectors import calendar_counts
from posts.links.selectors import clicks_by_group_channel
from posts.services.reschedule import post_reschedule
from posts.services.validation import date_range_message, day_in_range


def _query(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v}, doseq=True)
    return f"?{query}" if query else ""


def _relative(template: tuple[str, str], page: str) -> tuple[str, str]:
    """An address template (before and after an id) as seen from the folder of ``page``."""
    before, after = template
    folder = page[: page.rindex("/") + 1]
    return posixpath.relpath(before, folder) + ("/" if before.endswith("/") else ""), after


def _calendar_url(slug: str, **params) -> str:
    return reverse("posts:calendar", args=[slug]) + _query(**params)


@organization_view("organization.view")
@require_GET
def calendar(request):
    """The organization's posts over the chosen window, filtered by customer and channel."""
    organization = request.organization
    zone = cal.zone_for(request.user, organization)
    today = timezone.now().astimezone(zone).date()
    view = request.GET.get("view", "week")
    if view not in cal.VIEWS:
        view = "week"
    anchor = cal.parse_day(request.GET.get("date"))
    if anchor is None or not day_in_range(anchor):
        # An unreadable day, or one far outside the dates posts may have (whose
        # neighbouring weeks cannot even be computed near the years 1 and 9999): today.
        anchor = today
    customers = request.GET.getlist("customer")
    channels = request.GET.getlist("channel")
    window = cal.window_for(view, anchor, zone)

    can_move = request.membership.can("posts.publish")
    slug = organization.slug
    rows = cal.calendar_posts(
        organization=organization, window=window, customers=customers, channels=channels
    )
    customer_choices, channel_choices, cards = cal.filter_choices(organization=organization)
    counts = cal.attention_counts(organization=organization)
    # The day is appended last, so the filters survive the jump to a day. Relative to this
    # page (the grid links every day and busy hour to them).
    day_url = _query(view="day", customer=customers, channel=channels) + "&date="
    list_url = _query(view="list", customer=customers, channel=channels) + "&date="
    drawn = cal_grid.chips(rows, zone=zone, movable=can_move, hour12=hour12_for(request))
    now_hour = timezone.now().astimezone(zone).hour
    drawn_cards = cal_grid.channels_drawn(drawn, cards)
    # Published posts' latest counts, for their chips and the popover (-- analytics).
    out_groups = sorted({row.group_id for row in rows if row.state == "published"})
    counts_drawn = calendar_counts(organization=organization, group_ids=out_groups)
    # Their short links' clicks, after the networks' counts (-- short links).
    for key, clicks in clicks_by_group_channel(
        organization=organization, group_ids=out_groups
    ).items():
        before = counts_drawn.get(key)
        shown = ngettext("%(count)s link click", "%(count)s link clicks", clicks) % {
            "count": f"{clicks:,}"
        }
        counts_drawn[key] = f"{before} · {shown}" if before else shown

    def link(**change):
        params = {"view": view, "date": anchor.isoformat(), "customer": customers}
        params["channel"] = channels
        params.update(change)
        return _calendar_url(slug, **params)

    # The grid's sentences with a value in them, translated here (once a page): makemessages
    # reads only plain _("…") calls in the Jinja2 templates.
    names = {"title": window.title, "zone": zone.key}
    texts = {
        "times_in": _("Times in %(zone)s") % names,
        "time_in": _("Time (%(zone)s)") % names,
        "by_day": _("Posts by day, %(title)s, times in %(zone)s") % names,
        "by_hour": _("Posts by hour, %(title)s, times in %(zone)s") % names,
        "truncated": _(
            "Only the first %(limit)s posts of the month are listed. "
            "Filter by channel or open a day to see the rest."
        )
        % {"limit": cal.LIST_LIMIT},
        "more": lambda n: ngettext("+%(n)s more", "+%(n)s more", n) % {"n": n},
    }
    grid_context = {
        "texts": texts,
        "window": window,
        "zone": zone.key,
        "grid": cal_grid.layout(
            window, drawn, today=today, day_url=day_url, list_url=list_url, now_hour=now_hour
        ),
        "day_url": day_url,
        "list_limit": cal.LIST_LIMIT,
        "cards": drawn_cards,
        "channel_names": cal_grid.channel_names(drawn_cards),
        "can_move": can_move,
        # Each post's link to the composer, around its group id, relative to this page
        # ("../posts/12/"): written ~500 times on a busy week.
        "edit_link": _relative(cal.edit_url_template(slug), reverse("posts:calendar", args=[slug])),
        # The page's one popover and Move form put a chip's ids into these.
        "move_url": "{id}".join(cal.move_url_template(slug)),
        "retry_url": reverse("posts:failures_act", args=[slug]),
        "here": request.get_full_path(),
        "counts": counts_drawn,
    }
    context = {
        "organization": organization,
        "window": window,
        "zone": zone.key,
        "legend": cal_grid.legend(),
        "post_count": len(drawn),
        "can_move": can_move,
        "late_count": counts["late"],
        "attention_count": counts["attention"],
        "late_minutes": cal.late_minutes(),
        "customer_choices": customer_choices,
        "channel_choices": channel_choices,
        "selected_customers": set(customers),
        "selected_channels": set(channels),
        "filtered": bool(customers or channels),
        "has_channels": bool(channel_choices),
        "view_links": [(name, _view_label(name), link(view=name)) for name in cal.VIEWS],
        "prev_url": link(date=window.prev.isoformat()),
        "next_url": link(date=window.next.isoformat()),
        "today_url": link(date=today.isoformat()),
        "new_post_url": cal.new_post_url(slug),
        # The visible window with the same filters, as CSV (posts.views.imports.export).
        "export_url": reverse("posts:export", args=[slug])
        + _query(
            download=1,
            **{"from": window.first.isoformat(), "to": window.last.isoformat()},
            customer=customers,
            channel=channels,
        ),
        "import_url": reverse("posts:import", args=[slug]),
        "today": today,
    }
    # Times and template date filters are in the active zone: make it the viewer's.
    with timezone.override(zone):
        if context["has_channels"]:
            # The grid is a Jinja2 template (templates/jinja2/posts/calendar/), auto-escaped.
            grid = "month" if view == "month" else "list" if view == "list" else "week"
            context["grid"] = mark_safe(  # noqa: S308 - an auto-escaped template's output
                render_to_string(
                    f"posts/calendar/{grid}.html", grid_context, request, using="jinja2"
                )
            )
        return render(request, "posts/calendar.html", context)


def _view_label(name: str) -> str:
    labels = {"week": _("Week"), "day": _("Day"), "month": _("Month"), "list": _("List")}
    return labels.get(name, name.title())


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@organization_view("posts.publish")
@require_POST
def reschedule(request, post_id):
    """Move one channel's post to the date and time given in the viewer's zone."""
    organization = request.organization
    post = cal.post_get(organization=organization, public_id=post_id)
    if post is None:
        raise Http404("No such post.")
    zone = cal.zone_for(request.user, organization)
    fallback = _calendar_url(organization.slug)
    day = cal.parse_day(request.POST.get("date"))
    try:
        at = time.fromisoformat(request.POST.get("time", ""))
    except ValueError:
        at = None
    if day is None or at is None:
        messages.error(
            request, _("Give a date (YYYY-MM-DD) and a time (HH:MM) to move the post to.")
        )
        return _back(request, fallback)
    if not day_in_range(day):
        messages.error(request, date_range_message(day))
        return _back(request, fallback)
    try:
        when = cal.local_to_utc(day, at, zone)
        post_reschedule(post=post, actor=request.user, publish_at=when, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request, fallback)
    local = when.astimezone(zone)
    hour12 = hour12_for(request)
    moved = _("Moved the %(channel)s post to %(when)s (%(zone)s).") % {
        "channel": post.integration.name,
        "when": format_when(local, hour12),
        "zone": zone.key,
    }
    if cal.skipped_by_clocks(day, at, zone):
        moved += " " + _(
            "%(time)s does not exist that night (the clocks go forward), so it is later."
        ) % {"time": format_time(at, hour12)}
    messages.success(request, moved)
    return _back(request, fallback)

"""The bell: a person's own notifications in one organization, under
/o/<org_slug>/notifications/. Every member sees only their own."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from organizations.access import organization_view
from posts.context_processors import unread_for
from posts.services import notifications as services

PER_PAGE = 30
# The dropdown shows this many; the page has them all.
PANEL_SIZE = 8


def _zone_name(request) -> str:
    name = getattr(request.user, "timezone", "") or request.organization.timezone or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _list_url(request) -> str:
    return reverse("posts:notifications", args=[request.organization.slug])


def _notification_or_404(request, notification_id):
    notification = services.notification_get(
        organization=request.organization, user=request.user, public_id=notification_id
    )
    if notification is None:
        raise Http404("No such notification.")
    return notification


def _context(request, **extra) -> dict:
    return {
        "organization": request.organization,
        "viewer_zone": _zone_name(request),
        "unread": unread_for(request),
        **extra,
    }


@organization_view("organization.view")
@require_GET
def notification_list(request):
    """The latest notifications, newest first; the dropdown asks for its short version."""
    mine = services.notifications_for(organization=request.organization, user=request.user)
    if request.htmx and request.GET.get("panel"):
        items = list(mine[:PANEL_SIZE])
        return render(request, "posts/notifications_panel.html", _context(request, items=items))
    page = Paginator(mine, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "posts/notifications.html", _context(request, page_obj=page))


@organization_view("organization.view")
@require_POST
def notification_read(request, notification_id):
    """Mark one of your notifications read."""
    notification = _notification_or_404(request, notification_id)
    services.notification_mark_read(notification=notification)
    if request.htmx:
        return render(
            request,
            "posts/notifications_item.html",
            _context(request, notification=notification, oob_count=True),
        )
    return redirect(_list_url(request))


@organization_view("organization.view")
@require_GET
def notification_open(request, notification_id):
    """Follow a notification's link; opening it marks it read."""
    notification = _notification_or_404(request, notification_id)
    services.notification_mark_read(notification=notification)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = _list_url(request)
    return redirect(target)


@organization_view("organization.view")
@require_POST
def notifications_read_all(request):
    """Mark all your notifications in this organization read."""
    services.notifications_mark_all_read(organization=request.organization, user=request.user)
    return redirect(_list_url(request))

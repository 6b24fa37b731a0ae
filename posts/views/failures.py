"""Posts waiting for a person: failed, unconfirmed (we could not tell whether they went
out) and missed (due while the service was down). Anyone in the organization may look;
acting on them needs posts.publish.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from organizations.access import organization_view
from posts import calendar as cal
from posts.services.reschedule import post_cancel, post_mark_published, post_retry
from posts.states import State

PAGE_SIZE = 50


def _failures_url(request) -> str:
    return reverse("posts:failures", args=[request.organization.slug])


def _back(request) -> str:
    """Where to go after an action: the page that asked (the calendar's Retry sends
    ``next``) when it is on this site, else this list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return _failures_url(request)


@organization_view("organization.view")
@require_GET
def failures(request):
    """The list, newest first, with what the network said and how many attempts were made."""
    organization = request.organization
    zone = cal.zone_for(request.user, organization)
    can_act = request.membership.can("posts.publish")
    page = Paginator(cal.failed_posts(organization=organization), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    posts = cal.decorate(
        page.object_list,
        zone=zone,
        edit_template=cal.edit_url_template(organization.slug),
        movable=can_act,
        slug=organization.slug,
    )
    context = {
        "organization": organization,
        "page": page,
        "posts": posts,
        "zone": zone.key,
        "can_act": can_act,
        "has_unconfirmed": any(post.state == State.UNCONFIRMED for post in posts),
        "here": request.get_full_path(),
        "calendar_url": reverse("posts:calendar", args=[organization.slug]),
    }
    # Template date filters convert to the active zone: make it the viewer's.
    with timezone.override(zone):
        return render(request, "posts/failures.html", context)


@organization_view("posts.publish")
@require_POST
def act(request):
    """Retry or cancel the ticked posts (or the one whose row button was pressed)."""
    organization = request.organization
    action, ids = request.POST.get("action", ""), request.POST.getlist("post")
    for name in ("retry", "cancel"):
        if request.POST.get(f"{name}_one"):
            action, ids = name, [request.POST[f"{name}_one"]]
    if action not in ("retry", "cancel"):
        messages.error(request, _("Choose what to do: retry or cancel."))
        return redirect(_back(request))
    if not ids:
        messages.error(request, _("Tick at least one post first."))
        return redirect(_back(request))

    confirm = request.POST.get("confirm_duplicate") == "on"
    done, refusals = 0, []
    for public_id in dict.fromkeys(ids):
        post = cal.post_get(organization=organization, public_id=public_id)
        if post is None:
            raise Http404("No such post.")
        try:
            if action == "retry":
                post_retry(
                    post=post, actor=request.user, confirm_duplicate=confirm, request=request
                )
            else:
                post_cancel(post=post, actor=request.user, request=request)
            done += 1
        except ValidationError as error:
            refusals.append(f"{post.integration.name}: {' '.join(error.messages)}")
    if done:
        if action == "retry":
            said = ngettext(
                "%(count)s post will be sent again now.",
                "%(count)s posts will be sent again now.",
                done,
            )
        else:
            said = ngettext("%(count)s post cancelled.", "%(count)s posts cancelled.", done)
        messages.success(request, said % {"count": done})
    for refusal in refusals:
        messages.error(request, refusal)
    return redirect(_back(request))


@organization_view("posts.publish")
@require_POST
def mark_published(request, post_id):
    """Record that a post is on the network after all, at the address the person gives."""
    post = cal.post_get(organization=request.organization, public_id=post_id)
    if post is None:
        raise Http404("No such post.")
    try:
        post_mark_published(
            post=post, actor=request.user, url=request.POST.get("url", ""), request=request
        )
    except ValidationError as error:
        messages.error(request, f"{post.integration.name}: {' '.join(error.messages)}")
    else:
        messages.success(
            request,
            _("Marked the %(channel)s post as published.") % {"channel": post.integration.name},
        )
    return redirect(_failures_url(request))

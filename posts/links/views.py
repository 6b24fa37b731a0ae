"""The public redirect of built-in short links (/l/<code>), the short-link settings page
(organization.manage) and a post's links with their clicks (anyone in the organization)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from organizations.access import organization_view
from posts import calendar as cal
from posts.links import selectors, services
from posts.links.bots import is_bot
from posts.links.forms import LinkSettingsForm
from posts.links.models import Shortener


# -- The redirect -------------------------------------------------------------------------
def follow(request, code):
    """Anyone: 302 to the link's target. A GET from a person counts one click (one UPDATE
    that also returns the target); a HEAD, a crawler or a link previewer counts nothing."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    counted = request.method == "GET" and not is_bot(request.headers.get("User-Agent", ""))
    target = services.link_follow(code=code, count=counted)
    if target is None:
        raise Http404("No such short link.")
    response = HttpResponseRedirect(target)
    # Every click reaches us: a redirect a browser or proxy cached would not be counted.
    response["Cache-Control"] = "private, no-store"
    return response


# -- Settings -------------------------------------------------------------------------------
def _settings_nav(request) -> list[dict]:
    from organizations.views import _settings_nav as organization_nav

    nav = organization_nav(request, "short-links")
    url = reverse("posts:link_settings", args=[request.organization.slug])
    for item in nav:
        item["current"] = item["url"] == url
    if not any(item["url"] == url for item in nav):
        nav.append({"label": _("Short links"), "url": url, "current": True})
    return nav


@organization_view("organization.manage")
@require_http_methods(["GET", "POST"])
def link_settings(request):
    """Whether the organization's links are shortened, and by which shortener."""
    organization = request.organization
    row = services.link_settings_for(organization=organization)
    initial = {
        "preference": row.preference,
        "shortener": row.shortener,
        "domain": row.domain,
        "kutt_url": row.kutt_url,
    }
    form = LinkSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            api_key = data["api_key"] or None
            if data["remove_api_key"]:
                api_key = ""
            services.link_settings_update(
                organization=organization,
                actor=request.user,
                preference=data["preference"],
                shortener=data["shortener"],
                domain=data["domain"],
                kutt_url=data["kutt_url"],
                api_key=api_key,
                request=request,
            )
            messages.success(request, _("Short-link settings saved."))
            return redirect("posts:link_settings", org_slug=organization.slug)
        status = 400
    context = {
        "settings_nav": _settings_nav(request),
        "organization": organization,
        "membership": request.membership,
        "form": form,
        "has_key": bool(row.secrets.get("api_key")),
        "builtin_base": settings.SHORTLINK_BASE_URL,
        "default_shortener": settings.SHORTLINK_PROVIDER,
        "shortener_names": dict(Shortener.choices),
    }
    return render(request, "posts/link_settings.html", context, status=status)


# -- A post's links ---------------------------------------------------------------------------
@organization_view("organization.view")
@require_GET
def post_links(request, post_id):
    """One post's short links with their clicks (the calendar's popover and the
    analytics page link here)."""
    post = cal.post_get(organization=request.organization, public_id=post_id)
    if post is None:
        raise Http404
    links = list(selectors.links_of_post(organization=request.organization, post=post))
    context = {
        "organization": request.organization,
        "post": post,
        "links": links,
        "total": sum(link.clicks for link in links),
    }
    template = "posts/post_links_table.html" if request.htmx else "posts/post_links.html"
    return render(request, template, context)

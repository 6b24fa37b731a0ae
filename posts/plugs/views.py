"""A channel's Plugs page (channels.manage): its plugs, with the kinds and counts its
network offers, and what each has done."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from integrations import selectors as channel_selectors
from organizations.access import organization_view
from posts.plugs import selectors, services
from posts.plugs.forms import PlugForm


def _channel_or_404(request, pk):
    channel = channel_selectors.integration_get(organization=request.organization, pk=pk)
    if channel is None:
        raise Http404("No such channel.")
    return channel


def _plug_or_404(channel, plug_id):
    plug = selectors.plug_of_channel(integration=channel, public_id=plug_id)
    if plug is None:
        raise Http404("No such plug.")
    return plug


def _form(channel, data=None, initial=None):
    kinds, metrics = services.plug_offer(channel)
    return PlugForm(data, initial=initial, integration=channel, kinds=kinds, metrics=metrics)


def _save(request, channel, form, plug=None):
    """The form's values through the service; False (errors on the form) when refused."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if plug is None:
            services.plug_create(integration=channel, actor=request.user, request=request, **data)
        else:
            services.plug_update(plug=plug, actor=request.user, request=request, **data)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return False
    return True


@organization_view("channels.manage")
@require_http_methods(["GET", "POST"])
def channel_plugs(request, pk):
    """The channel's plugs, and a form to add one."""
    channel = _channel_or_404(request, pk)
    kinds, _metrics = services.plug_offer(channel)
    form = _form(channel, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not kinds:
            raise Http404("This channel's network offers no plugs.")
        if _save(request, channel, form):
            messages.success(request, _("Plug added."))
            return redirect("posts:channel_plugs", request.organization.slug, channel.pk)
        status = 400
    context = {
        "organization": request.organization,
        "integration": channel,
        "plugs": list(selectors.plugs_of_channel(integration=channel)),
        "kinds": kinds,
        "form": form,
    }
    return render(request, "posts/channel_plugs.html", context, status=status)


@organization_view("channels.manage")
@require_http_methods(["GET", "POST"])
def plug_edit(request, pk, plug_id):
    """Change a plug; runs already claimed keep what they were claimed with."""
    channel = _channel_or_404(request, pk)
    plug = _plug_or_404(channel, plug_id)
    initial = {
        "kind": plug.kind,
        "metric": plug.metric,
        "threshold": plug.threshold,
        "text": plug.text,
        "enabled": plug.enabled,
    }
    form = _form(channel, request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if _save(request, channel, form, plug=plug):
            messages.success(request, _("Plug saved."))
            return redirect("posts:channel_plugs", request.organization.slug, channel.pk)
        status = 400
    context = {
        "organization": request.organization,
        "integration": channel,
        "plug": plug,
        "form": form,
    }
    return render(request, "posts/plug_edit.html", context, status=status)


@organization_view("channels.manage")
@require_POST
def plug_delete(request, pk, plug_id):
    channel = _channel_or_404(request, pk)
    plug = _plug_or_404(channel, plug_id)
    services.plug_delete(plug=plug, actor=request.user, request=request)
    messages.success(request, _("Plug deleted."))
    return redirect("posts:channel_plugs", request.organization.slug, channel.pk)

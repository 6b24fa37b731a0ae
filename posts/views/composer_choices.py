"""The composer's settings whose choices depend on the account: a Pinterest board, a
YouTube playlist or category, a TikTok privacy level (``SettingField.options``).

The page draws such a setting as a select from what is known without asking the network
(the channel's kept copy, or a recent answer in the cache); otherwise as a text input that
htmx replaces with the select as soon as the network answers (``choices``). When the
network cannot be asked the text input stays, saying why, so a post can still name its
board by id. ``choice_create`` makes a new choice where the network has a tool for it
(Pinterest's create_board) and selects it.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from integrations import selectors as channel_selectors
from integrations import tools as channel_tools
from integrations.models import Integration
from integrations.providers import provider_classes
from integrations.providers.base import SettingField
from organizations.access import organization_view

# From this many choices on, the select gets a search box.
SEARCH_FROM = 8


def _label(spec: SettingField) -> str:
    return spec.label or spec.name


def choice_row(
    organization,
    channel: Integration,
    spec: SettingField,
    value,
    *,
    look_up: bool = False,
    fresh: bool = False,
    query: str = "",
    note: str = "",
) -> dict:
    """What ``posts/_composer_choice.html`` draws for one setting with an option source:
    with ``look_up`` the network is asked (unless a recent answer is cached), otherwise
    only what is known already is used."""
    source = spec.options
    provider = channel.provider_instance()
    value = "" if value is None else str(value)
    args = [organization.slug, channel.pk, spec.name]
    row = {
        "spec": spec,
        "name": f"s{channel.pk}-{spec.name}",
        "value": value,
        "label": _label(spec),
        "url": reverse("posts:composer_choices", args=args),
        "options": None,
        "note": note,
        "load": False,
        "create": None,
    }
    if look_up:
        try:
            found = channel_tools.integration_setting_options(
                integration=channel, name=spec.name, query=query, fresh=fresh
            )
        except channel_tools.ChannelDisconnected:
            row["note"] = _(
                "%(channel)s needs reconnecting, so its %(label)s choices cannot be listed. "
                "Reconnect it on the Channels page, or type the id."
            ) % {"channel": channel.name, "label": row["label"].lower()}
        except channel_tools.ToolFailed as error:
            row["note"] = _(
                "The %(label)s choices could not be loaded from %(network)s: %(error)s "
                "Type the id, or try again."
            ) % {
                "label": row["label"].lower(),
                "network": provider.network_label,
                "error": error.message,
            }
        else:
            row["options"] = found.options
            row["note"] = row["note"] or found.note
    else:
        kept = channel_tools.kept_setting_options(integration=channel, name=spec.name)
        if kept is not None:
            row["options"] = kept.options
        else:
            row["load"] = True
    if row["options"] is None and spec.choices and not row["load"]:
        # The choices every account may have (TikTok's four privacy levels): better than
        # a text box; the validator still says which of them this account lacks.
        labels = dict(source.labels)
        row["options"] = [{"value": c, "label": labels.get(c, c)} for c in spec.choices]
    if row["options"] is not None:
        _select(row)
    create = provider.tool(source.create) if source.create else None
    if create is not None:
        row["create"] = {
            "url": reverse("posts:composer_choice_create", args=args),
            "description": create.description,
            "inputs": [
                {
                    "key": field.key,
                    "name": f"{row['name']}-new-{field.key}",
                    "type": field.type,
                    "label": field.description or field.key,
                    "required": field.required,
                    "max_length": field.max_length,
                }
                for field in create.inputs
            ],
        }
    row["searchable"] = row["options"] is not None and len(row["options"]) >= SEARCH_FROM
    return row


def _select(row: dict) -> None:
    """Mark the chosen option; a value typed by name (a board's name) selects its entry,
    and a value the list lacks stays, shown as such, so opening a post never drops it."""
    value = row["value"]
    values = {o["value"] for o in row["options"]}
    if value and value not in values:
        by_label = {o["label"].casefold(): o["value"] for o in row["options"]}
        if value.casefold() in by_label:
            row["value"] = value = by_label[value.casefold()]
    row["missing"] = bool(value) and value not in values


def _channel_and_field(request, channel_id, name) -> tuple[Integration, SettingField]:
    channel = channel_selectors.integration_get(organization=request.organization, pk=channel_id)
    if channel is None:
        raise Http404("No such channel.")
    cls = provider_classes().get(channel.provider)
    spec = next(
        (f for f in (cls.settings_fields if cls else ()) if f.name == name and f.options), None
    )
    if spec is None:
        raise Http404("No such setting.")
    return channel, spec


@organization_view("posts.edit")
@require_GET
def choices(request, channel_id: int, name: str):
    """htmx: the setting as a select filled from the network (``fresh=1`` asks again
    rather than using a recent answer; ``q`` keeps the choices containing it)."""
    channel, spec = _channel_and_field(request, channel_id, name)
    key = f"s{channel.pk}-{spec.name}"
    value = request.GET.get(key, request.GET.get("value", ""))
    row = choice_row(
        request.organization,
        channel,
        spec,
        value[:500],
        look_up=True,
        fresh=request.GET.get("fresh") == "1",
        query=request.GET.get("q", "")[:200],
    )
    return render(request, "posts/_composer_choice.html", {"s": row})


@organization_view("posts.edit")
@require_POST
def choice_create(request, channel_id: int, name: str):
    """htmx: make a new choice on the network (a Pinterest board) and select it; the
    channel's kept list gains it at once."""
    channel, spec = _channel_and_field(request, channel_id, name)
    source = spec.options
    provider = channel.provider_instance()
    tool = provider.tool(source.create) if source.create else None
    if tool is None:
        raise Http404("Nothing can be created for this setting.")
    key = f"s{channel.pk}-{spec.name}"
    prefix = f"{key}-new-"
    data = {
        field.key: (
            request.POST.get(prefix + field.key) in ("on", "true", "1")
            if field.type == "boolean"
            else request.POST.get(prefix + field.key, "")
        )
        for field in tool.inputs
    }
    value, note = request.POST.get(key, ""), ""
    try:
        created = channel_tools.integration_run_tool(integration=channel, name=tool.name, data=data)
    except channel_tools.ToolInputError as error:
        note = _("Nothing was created: %(errors)s.") % {"errors": "; ".join(error.messages)}
    except channel_tools.ChannelDisconnected:
        note = _("%(channel)s needs reconnecting before anything can be created on it.") % {
            "channel": channel.name
        }
    except channel_tools.ToolFailed as error:
        note = _("%(network)s did not create it: %(error)s") % {
            "network": provider.network_label,
            "error": error.message,
        }
    else:
        if isinstance(created, dict) and created.get(source.value):
            value = str(created[source.value])
            note = _("Created %(name)s and chose it for this post.") % {
                "name": created.get(source.label) or value
            }
    channel.refresh_from_db(fields=["meta"])
    row = choice_row(request.organization, channel, spec, value, note=note)
    if row["load"]:
        # Nothing kept to draw from: ask the network (the new entry is in its answer).
        row = choice_row(request.organization, channel, spec, value, look_up=True, note=note)
    return render(request, "posts/_composer_choice.html", {"s": row})

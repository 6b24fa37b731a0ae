"""The composer: write once, post to many channels; edit, duplicate and delete a group.

The page is one form that works with a plain POST. Buttons named ``op`` change the
thread and re-render the page without saving; buttons named ``action`` save (draft,
schedule, post now, add to queue). With script, htmx asks ``validate`` and ``preview``
for the per-channel character counts, issues and previews while the person types.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.clock import format_when, hour12_for
from billing.limits import LimitReached
from integrations import selectors as channel_selectors
from integrations.models import Integration
from integrations.providers import provider_classes
from integrations.providers.base import Issue
from media.models import MediaFile
from media.selectors import media_for_organization
from organizations.access import organization_view
from postiz.timezones import timezone_choices, timezone_names
from posts import selectors
from posts.forms import CommentForm, ComposerState, thread_prefix
from posts.links import services as link_services
from posts.links.text import links_in
from posts.models import PostGroup
from posts.services import approvals
from posts.services import groups as group_services
from posts.services import library as library_services
from posts.services.groups import GENERAL, PostNotEditable, PostValidationError
from posts.services.queue import next_free_slot
from posts.states import EDITABLE
from posts.views.assist import options as assist_options
from posts.views.composer_choices import choice_row

PUBLISHING_ACTIONS = ("schedule", "now", "queue")
# How many recent library files the no-script attach menu offers.
RECENT_MEDIA = 60


# -- Helpers ----------------------------------------------------------------------------
def _group_or_404(request, group_id) -> PostGroup:
    group = selectors.group_get(organization=request.organization, pk=group_id)
    if group is None:
        raise Http404("No such post.")
    return group


def _channels(request) -> list[Integration]:
    return list(channel_selectors.integrations_for(organization=request.organization))


def _viewer_zone(request) -> str:
    return getattr(request.user, "timezone", "") or request.organization.timezone or "UTC"


def _editable(group: PostGroup) -> tuple[bool, str]:
    for post in group.posts.all():
        if post.state not in EDITABLE and post.state != "cancelled":
            return False, _(
                "The post to %(channel)s is %(state)s, so this group can no longer be "
                "edited. Duplicate it to post again."
            ) % {"channel": post.integration.name, "state": post.get_state_display().lower()}
        if any(item.published_at for item in post.items.all()):
            return False, _("Part of the thread already went out on %(channel)s.") % {
                "channel": post.integration.name
            }
    return True, ""


def _review_states(group) -> list:
    """Each post of the group waiting in review (or rejected), for the composer's note."""
    if group is None:
        return []
    return [
        (post.integration.name, post.get_review_state_display())
        for post in group.posts.all()
        if post.review_state and post.review_state != "approved"
    ]


def _can_publish(request) -> bool:
    return request.membership.can("posts.publish")


def _media_by_id(request, state: ComposerState) -> dict[int, MediaFile]:
    ids = {m for item in state.items for m in item.media_ids}
    ids |= {m for items in state.custom.values() for item in items for m in item.media_ids}
    if not ids:
        return {}
    return {m.pk: m for m in media_for_organization(request.organization).filter(pk__in=ids)}


def _thread_rows(state, channel_id, media, reply_mode="thread"):
    """What the template needs to draw one thread: items with their field names."""
    prefix = thread_prefix(channel_id)
    items = state.thread(channel_id)
    return {
        "prefix": prefix,
        "key": str(channel_id or ""),
        "reply_mode": reply_mode,
        "items": [
            {
                "index": index,
                "id": f"{prefix}item-{index}",
                "item": item,
                "media": [
                    {"file": media[m], "alt": item.alt_texts.get(m, "")}
                    for m in item.media_ids
                    if m in media
                ],
                "last": index == len(items) - 1,
            }
            for index, item in enumerate(items)
        ],
        "single": len(items) == 1,
    }


def _setting_rows(organization, channel: Integration, values: dict) -> list[dict]:
    cls = provider_classes().get(channel.provider)
    rows = []
    for spec in cls.settings_fields if cls else ():
        value = values.get(spec.name, spec.default)
        if spec.options is not None:
            # Choices of this account (boards, playlists): composer_choices draws them.
            rows.append({"choice": choice_row(organization, channel, spec, value)})
            continue
        if spec.type == "list" and isinstance(value, list):
            value = "\n".join(str(v) for v in value)
        rows.append({"spec": spec, "name": f"s{channel.pk}-{spec.name}", "value": value})
    return rows


def _checks(request, state: ComposerState, channels: dict[int, Integration], group=None):
    """Per chosen channel: each item's count against the network's limit, and issues
    (``group``: the one being edited, whose posts are not counted twice)."""
    kwargs = state.service_kwargs()
    # Checks answer "what would stop this going out": with no date chosen yet, the date
    # is not one of them.
    kwargs["action"] = "schedule" if kwargs["publish_at"] else "now"
    issues = group_services.post_validate(organization=request.organization, group=group, **kwargs)
    general = list(issues.get(GENERAL, []))
    for name, message in state.errors.items():
        general.append(Issue(f"{name}_invalid", message, name))
    rows = []
    for channel_id in state.channel_ids:
        channel = channels.get(channel_id)
        if channel is None:
            general += issues.get(channel_id, [])
            continue
        counts = []
        known = channel.provider in provider_classes()
        provider = channel.provider_instance() if known else None
        as_channel = channel.as_channel()
        limit = provider.limit_for(as_channel) if known else None
        for index, item in enumerate(state.thread(channel_id) if known else []):
            count = provider.count_text(item.text or "", as_channel)
            over = bool(limit and count > limit)
            counts.append({"index": index, "count": count, "limit": limit, "over": over})
        rows.append({"channel": channel, "counts": counts, "issues": issues.get(channel_id, [])})
    has_errors = group_services.has_errors(issues) or bool(state.errors)
    when_text = ""
    if kwargs["publish_at"] is not None and not state.errors:
        local = kwargs["publish_at"]
        when_text = _("Schedule sends it on %(when)s.") % {
            "when": _local(local, state.zone, hour12_for(request))
        }
    return {"general": general, "rows": rows, "has_errors": has_errors, "when_text": when_text}


def _context(request, state: ComposerState, *, group=None, issues=None, focus="") -> dict:
    organization = request.organization
    groups = channel_selectors.channel_groups(organization=organization)
    channels = [channel for g in groups for channel in g["channels"]]
    by_id = {c.pk: c for c in channels}
    media = _media_by_id(request, state)
    provider_cls = provider_classes()
    chosen = []
    for channel_id in state.channel_ids:
        channel = by_id.get(channel_id)
        if channel is None:
            continue
        cls = provider_cls.get(channel.provider)
        reply_mode = cls.reply_mode if cls else "thread"
        chosen.append(
            {
                "channel": channel,
                "customized": channel_id in state.custom,
                "thread": _thread_rows(state, channel_id, media, reply_mode)
                if channel_id in state.custom
                else None,
                "settings": _setting_rows(
                    organization, channel, state.settings.get(channel_id, {})
                ),
                "reply_mode": reply_mode,
                "issues": (issues or {}).get(channel_id, []),
            }
        )
    editable, locked_reason = _editable(group) if group is not None else (True, "")
    return {
        # Channels whose posts wait for an approval before they go out: scheduling them
        # submits them for approval, and the page says so.
        "approvals_in_use": approvals.approvals_in_use(
            organization=organization, channel_groups=groups
        ),
        "needs_approval": approvals.channels_needing_approval(
            organization=organization, channel_groups=groups, chosen=state.channel_ids
        ),
        "review_states": _review_states(group),
        "organization": organization,
        "group": group,
        "state": state,
        "channel_groups": groups,
        "has_channels": bool(channels),
        "chosen": chosen,
        "global_thread": _thread_rows(state, None, media),
        "library": list(
            media_for_organization(organization)
            .only("pk", "name", "kind", "organization_id")
            .order_by("-created_at", "-id")[:RECENT_MEDIA]
        ),
        "tags": list(selectors.tags_for(organization=organization)),
        "signatures": list(selectors.signatures_for(organization=organization)),
        "sets": list(selectors.sets_for(organization=organization)),
        "timezones": timezone_choices(),
        "general_issues": (issues or {}).get(GENERAL, []),
        "form_errors": state.errors,
        "can_publish": _can_publish(request),
        "editable": editable,
        "locked_reason": locked_reason,
        "focus": focus,
        "comments": list(selectors.comments_for(group=group)) if group is not None else [],
        "comment_form": CommentForm(),
        "viewer_zone": _viewer_zone(request),
        "link_question": _link_question(request, state, group),
        "assist": assist_options(request) if editable else None,  # -- AI writing help
    }


def _link_question(request, state: ComposerState, group) -> dict | None:
    """When the organization asks each time (-- short links): the composer's offer to
    shorten the post's links, ticked as last answered. None when it does not ask."""
    preference, saved = link_services.composer_link_state(
        organization=request.organization, group=group
    )
    if preference != "ask":
        return None
    texts = [item.text for item in state.items]
    texts += [item.text for items in state.custom.values() for item in items]
    found = {url for text in texts for url in links_in(text)}
    if request.method == "POST" and request.POST.get("shorten_links_asked"):
        checked = bool(request.POST.get("shorten_links"))
    else:
        checked = bool(saved)
    return {"found": len(found), "checked": checked}


def _state_from_request(request) -> ComposerState:
    providers = {c.pk: c.provider for c in _channels(request)}
    return ComposerState.from_post(request.POST, providers)


def _render(request, state, *, group=None, issues=None, focus="", status=200):
    context = _context(request, state, group=group, issues=issues, focus=focus)
    return render(request, "posts/composer.html", context, status=status)


def _local(when: datetime, zone: str, hour12: bool = False) -> str:
    return f"{format_when(when.astimezone(ZoneInfo(zone)), hour12)} ({zone})"


def _suggest_when(request, state: ComposerState) -> None:
    """Pre-fill the date and time: the chosen channels' next free posting slot, else the
    next round hour, in the composer's zone."""
    zone = ZoneInfo(state.zone if state.zone in timezone_names() else "UTC")
    chosen = [c for c in _channels(request) if c.pk in state.channel_ids]
    at = next_free_slot(organization=request.organization, integrations=chosen) if chosen else None
    if at is not None:
        local = at.astimezone(zone)
        state.when_note = _(
            "The next free posting slot of the chosen channels; change it if you like."
        )
    else:
        local = (dj_timezone.now().astimezone(zone) + timedelta(hours=1)).replace(
            minute=0, second=0, microsecond=0
        )
        state.when_note = _("The next round hour; change it if you like.")
    state.publish_date = local.date().isoformat()
    state.publish_time = f"{local:%H:%M}"
    state.when_suggested = True


def _upload(request, state: ComposerState, op: str) -> str:
    """Store a file chosen in the composer and attach it to its item."""
    from media.services import MediaError, media_upload

    parts = op.split(":")
    channel_id = int(parts[1]) if parts[1].isdigit() else None
    index = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
    prefix = thread_prefix(channel_id if channel_id in state.custom else None)
    upload = request.FILES.get(f"{prefix}item-{index}-upload")
    if upload is None:
        state.errors["upload"] = _("Choose a file to upload first.")
        return ""
    if not request.membership.can("media.manage"):
        raise PermissionDenied(_("Your role does not allow uploading media."))
    try:
        media_file = media_upload(
            organization=request.organization, actor=request.user, file=upload
        )
    except MediaError as error:
        state.errors["upload"] = error.message
        return ""
    thread = state.thread(channel_id if channel_id in state.custom else None)
    if 0 <= index < len(thread):
        thread[index].media_ids.append(media_file.pk)
    return f"{prefix}item-{index}-text"


def _handle_post(request, *, group=None):
    state = _state_from_request(request)
    op = request.POST.get("op", "")
    if op:
        if op.startswith("upload:"):
            focus = _upload(request, state, op)
        elif op == "signature":
            signature = selectors.signature_get(
                organization=request.organization, pk=request.POST.get("signature_id")
            )
            if signature is not None and state.items:
                first = state.items[0]
                first.text = f"{first.text.rstrip()}\n\n{signature.content}".lstrip()
            focus = "item-0-text"
        elif op == "set":
            return _save_set(request, state, group)
        else:
            focus = state.apply(op, request.POST)
        if op == "refresh::" and state.when_suggested:
            _suggest_when(request, state)
        if op == "refresh::" and request.htmx:
            # The channels changed: only their tabs (and a suggested time) come back, so
            # the page stays where it is and the focus stays on the ticked box.
            context = _context(request, state, group=group)
            return render(request, "posts/_composer_refresh.html", context)
        return _render(request, state, group=group, focus=focus)

    action = state.action
    if action not in ("draft", *PUBLISHING_ACTIONS):
        state.errors["action"] = _("Choose save draft, schedule, post now or add to queue.")
        return _render(request, state, group=group, status=400)
    if action in PUBLISHING_ACTIONS and not _can_publish(request):
        raise PermissionDenied(_("Your role may write drafts but not schedule or publish."))
    kwargs = state.service_kwargs()
    if state.errors:
        return _render(request, state, group=group, status=400)
    try:
        if group is None:
            group = group_services.post_group_create(
                organization=request.organization, actor=request.user, **kwargs
            )
        else:
            group = group_services.post_group_update(group=group, actor=request.user, **kwargs)
    except PostValidationError as error:
        messages.error(request, _("Nothing was saved yet: fix what is marked below."))
        return _render(request, state, group=group, issues=error.issues_by_channel, status=400)
    except PostNotEditable as error:
        messages.error(request, error.message)
        return _render(request, state, group=group, status=409)
    except LimitReached as error:
        # The form comes back as typed: the plan stops the save, not the writing.
        messages.error(
            request,
            _("%(reason)s Plans and billing: %(url)s")
            % {"reason": error.message, "url": error.billing_url()},
        )
        return _render(request, state, group=group, status=402)
    if request.POST.get("shorten_links_asked"):
        link_services.group_links_choose(
            group=group, shorten=bool(request.POST.get("shorten_links"))
        )
    messages.success(request, _saved_message(group, action, hour12_for(request)))
    return redirect(reverse("posts:edit", args=[request.organization.slug, group.pk]))


def _saved_message(group: PostGroup, action: str, hour12: bool = False) -> str:
    post = group.posts.order_by("id").first()
    count = group.posts.count()
    values = {"count": count}
    if action == "draft":
        return (
            ngettext(
                "Draft saved for %(count)d channel.", "Draft saved for %(count)d channels.", count
            )
            % values
        )
    waiting = sum(1 for p in group.posts.all() if p.state == "review")
    values["when"] = _local(post.publish_at, group.timezone, hour12)
    if waiting:
        return (
            ngettext(
                "Submitted for approval: %(when)s on %(count)d channel. It goes out once "
                "approved; the approvers were told.",
                "Submitted for approval: %(when)s on %(count)d channels. It goes out once "
                "approved; the approvers were told.",
                count,
            )
            % values
        )
    if action == "now":
        return (
            ngettext(
                "Publishing now to %(count)d channel.",
                "Publishing now to %(count)d channels.",
                count,
            )
            % values
        )
    if action == "queue":
        return (
            ngettext(
                "Added to the queue: %(when)s on %(count)d channel.",
                "Added to the queue: %(when)s on %(count)d channels.",
                count,
            )
            % values
        )
    return (
        ngettext(
            "Scheduled for %(when)s on %(count)d channel.",
            "Scheduled for %(when)s on %(count)d channels.",
            count,
        )
        % values
    )


def _save_set(request, state: ComposerState, group):
    name = request.POST.get("set_name", "")
    try:
        post_set = library_services.post_set_create(
            organization=request.organization,
            actor=request.user,
            name=name,
            content=state.as_set(),
        )
    except ValidationError as error:
        state.errors["set_name"] = " ".join(error.messages)
        return _render(request, state, group=group, status=400)
    messages.success(request, _("Saved as the set %(name)s.") % {"name": post_set.name})
    return _render(request, state, group=group)


# -- Pages ------------------------------------------------------------------------------
@organization_view("posts.edit")
def new(request):
    """Write a new post; ?set=<id> starts from a saved set, ?date=YYYY-MM-DD&time=HH:MM
    pre-fills the time (the calendar links here)."""
    if request.method == "POST":
        return _handle_post(request)
    zone = _viewer_zone(request)
    post_set = None
    if request.GET.get("set"):
        post_set = selectors.set_get(organization=request.organization, pk=request.GET["set"])
    if post_set is not None:
        state = ComposerState.from_set(post_set.content, zone)
    else:
        state = ComposerState(zone=zone)
        channel = request.GET.get("channel", "")
        if channel.isdigit():
            state.channel_ids = [int(channel)]
    state.publish_date = request.GET.get("date", "")[:10]
    state.publish_time = request.GET.get("time", "")[:5]
    if not state.publish_date and not state.publish_time:
        _suggest_when(request, state)
    signature = selectors.default_signature(organization=request.organization)
    if signature is not None and post_set is None:
        state.items[0].text = f"\n\n{signature.content}"
    return _render(request, state)


@organization_view("posts.edit")
def edit(request, group_id: int):
    """Edit a group while every post is still editable; otherwise it is shown read-only."""
    group = _group_or_404(request, group_id)
    if request.method == "POST":
        editable, reason = _editable(group)
        if not editable and not request.POST.get("op"):
            messages.error(request, reason)
            return _render(request, ComposerState.from_group(group), group=group, status=409)
        return _handle_post(request, group=group)
    return _render(request, ComposerState.from_group(group), group=group)


@organization_view("posts.edit")
@require_POST
def duplicate(request, group_id: int):
    group = _group_or_404(request, group_id)
    copy = group_services.post_group_duplicate(group=group, actor=request.user)
    messages.success(request, _("A copy was made as a draft; change it and schedule it."))
    return redirect(reverse("posts:edit", args=[request.organization.slug, copy.pk]))


@organization_view("posts.edit")
def delete(request, group_id: int):
    """GET asks to confirm; POST cancels what has not gone out and removes the group."""
    group = _group_or_404(request, group_id)
    if request.method == "POST":
        cancelled = group_services.post_group_delete(group=group, actor=request.user)
        messages.success(
            request,
            ngettext(
                "Post deleted; %(count)d scheduled post will not go out.",
                "Post deleted; %(count)d scheduled posts will not go out.",
                cancelled,
            )
            % {"count": cancelled}
            if cancelled
            else _("Post deleted."),
        )
        return redirect(reverse("posts:calendar", args=[request.organization.slug]))
    posts = list(group.posts.all())
    return render(
        request,
        "posts/composer_delete.html",
        {
            "organization": request.organization,
            "group": group,
            "posts": posts,
            "first_text": (group.content[0].get("text", "") if group.content else ""),
        },
    )


@organization_view("posts.edit")
@require_POST
def validate(request):
    """htmx: per-channel counts and issues for the form as it is now; nothing is saved."""
    state = _state_from_request(request)
    by_id = {c.pk: c for c in _channels(request)}
    # The group being edited (the page says which): its own posts are not counted against
    # a network's daily cap. Another organization's id finds nothing.
    raw = request.POST.get("group", "")
    group = (
        selectors.groups_for(organization=request.organization).filter(pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 18
        else None
    )
    checks = _checks(request, state, by_id, group)
    return render(
        request,
        "posts/_composer_checks.html",
        {
            **checks,
            "organization": request.organization,
            "oob": True,
            "can_publish": _can_publish(request),
        },
    )


@organization_view("posts.edit")
@require_POST
def preview(request):
    """htmx: each chosen channel's thread as it will go out."""
    state = _state_from_request(request)
    by_id = {c.pk: c for c in _channels(request)}
    media = _media_by_id(request, state)
    provider_cls = provider_classes()
    previews = []
    for channel_id in state.channel_ids:
        channel = by_id.get(channel_id)
        if channel is None:
            continue
        cls = provider_cls.get(channel.provider)
        items = [
            {
                "text": item.text,
                "media": [media[m] for m in item.media_ids if m in media],
                "delay": item.delay_minutes,
            }
            for item in state.thread(channel_id)
        ]
        previews.append(
            {"channel": channel, "items": items, "reply_mode": cls.reply_mode if cls else "thread"}
        )
    return render(request, "posts/_composer_preview.html", {"previews": previews})


@organization_view("posts.edit")
@require_POST
def comment_add(request, group_id: int):
    """Add an internal note to a group; the team sees it, it is never published."""
    group = _group_or_404(request, group_id)
    form = CommentForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            library_services.comment_add(
                group=group, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Write a comment of at most 5,000 characters.")
    if request.htmx:
        return render(
            request,
            "posts/_composer_comments.html",
            {
                "organization": request.organization,
                "group": group,
                "comments": selectors.comments_for(group=group),
                "comment_form": CommentForm() if not error else form,
                "comment_error": error,
                "viewer_zone": _viewer_zone(request),
            },
        )
    if error:
        messages.error(request, error)
    return redirect(reverse("posts:edit", args=[request.organization.slug, group.pk]) + "#comments")

"""Managing feeds (posts.publish): creating, editing, deleting, resuming, "fetch now",
and the preview of what the next read would post. Reading them is posts.feeds.reading."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import limits as plan_limits
from integrations.models import Customer
from organizations.models import Organization
from posts.feeds import fetch as fetching
from posts.feeds import selectors
from posts.feeds.models import MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, Feed
from posts.feeds.parse import NotAFeed, parse
from posts.feeds.reading import FeedBusy, audit, entries_known, entry_texts, oldest_first
from posts.feeds.text import TemplateError, template_check

__all__ = ["FeedBusy"]

PREVIEW_ENTRIES = 5


# -- Managing ---------------------------------------------------------------------------
def _clean(
    *,
    organization: Organization,
    name: str,
    url: str,
    integrations,
    template: str,
    channel_templates: dict | None,
    mode: str,
    image: str,
    backlog: str,
    interval_minutes,
    customer: Customer | None,
) -> dict:
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("Give the feed a name, e.g. “Company blog”.")
    elif len(name) > 100:
        errors["name"] = _("Keep the name under 100 characters.")
    url = (url or "").strip()
    if not url:
        errors["url"] = _("Enter the feed's address (its RSS or Atom link).")
    elif len(url) > 1000:
        errors["url"] = _("The address is longer than 1,000 characters.")
    else:
        from postiz.ssrf import UnsafeURL, check_url

        try:
            if not url.startswith(("http://", "https://")):
                raise UnsafeURL(
                    _("%(url)s is not a web address (http:// or https://).") % {"url": url}
                )
            check_url(url)
        except UnsafeURL as error:
            errors["url"] = str(error)
        except ValueError:  # urlsplit's own refusals (a broken [IPv6] host, a bad port)
            errors["url"] = _("%(url)s is not a web address we can use.") % {"url": url}
    channels = list(integrations or ())
    if not channels:
        errors["integrations"] = _("Pick at least one channel to post to.")
    elif any(c.organization_id != organization.pk or c.deleted_at for c in channels):
        errors["integrations"] = _("Pick channels of this organization.")
    if customer is not None:
        if customer.organization_id != organization.pk:
            errors["customer"] = _("Pick a customer of this organization.")
        elif any(c.customer_id != customer.pk for c in channels):
            errors["integrations"] = _("Pick only channels of the customer %(name)s.") % {
                "name": customer.name
            }
    # A member limited to customers: only theirs, never a feed for the whole organization.
    for field, message in selectors.limit_errors(
        organization, customer=customer, channels=channels
    ).items():
        errors.setdefault(field, message)
    try:
        template = template_check(template)
    except TemplateError as error:
        errors["template"] = str(error)
    overrides = {}
    chosen = {str(c.pk): c for c in channels}
    for key, text in (channel_templates or {}).items():
        if not (text or "").strip():
            continue  # an empty override means "the feed's template"
        channel = chosen.get(str(key))
        if channel is None:
            errors["channel_templates"] = _(
                "A channel's own text is for a channel the feed posts to."
            )
            continue
        try:
            overrides[str(channel.pk)] = template_check(text)
        except TemplateError as error:
            errors["channel_templates"] = f"{channel.name}: {error}"
    if mode not in Feed.Mode.values:
        errors["mode"] = _("Choose one of: %(values)s.") % {"values": ", ".join(Feed.Mode.values)}
    if image not in Feed.Image.values:
        errors["image"] = _("Choose one of: %(values)s.") % {"values": ", ".join(Feed.Image.values)}
    if backlog not in Feed.Backlog.values:
        errors["backlog"] = _("Choose one of: %(values)s.") % {
            "values": ", ".join(Feed.Backlog.values)
        }
    try:
        interval = int(interval_minutes)
    except (TypeError, ValueError):
        interval = 0
    if not MIN_INTERVAL_MINUTES <= interval <= MAX_INTERVAL_MINUTES:
        errors["interval_minutes"] = _(
            "Read the feed every %(minutes)s minutes at the most often, and at least once a week."
        ) % {"minutes": MIN_INTERVAL_MINUTES}
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "url": url,
        "channels": channels,
        "template": template,
        "channel_templates": overrides,
        "mode": mode,
        "image": image,
        "backlog": backlog,
        "interval_minutes": interval,
        "customer": customer,
    }


def _enqueue_fetch(feed: Feed) -> None:
    from django_q.tasks import async_task

    feed_id = feed.pk
    transaction.on_commit(lambda: async_task("posts.tasks.fetch_feed", feed_id))


@transaction.atomic
def feed_create(
    *,
    organization: Organization,
    name: str,
    url: str,
    integrations,
    template: str,
    channel_templates: dict | None = None,
    mode: str = Feed.Mode.QUEUE,
    with_review: bool = False,
    image: str = Feed.Image.NONE,
    backlog: str = Feed.Backlog.DRAFTS,
    interval_minutes: int = 60,
    customer: Customer | None = None,
    actor=None,
    request=None,
) -> Feed:
    """posts.publish; checks the address (public), the template's placeholders and the
    plan's ``rss_feeds`` limit, then creates the feed and reads it at once (in the
    worker): that first read takes the back catalogue as the feed says."""
    # One feed created at a time per organization, so two cannot both take the last slot.
    Organization.objects.select_for_update().only("pk").get(pk=organization.pk)
    plan_limits.check(organization, "rss_feeds")
    data = _clean(
        organization=organization,
        name=name,
        url=url,
        integrations=integrations,
        template=template,
        channel_templates=channel_templates,
        mode=mode,
        image=image,
        backlog=backlog,
        interval_minutes=interval_minutes,
        customer=customer,
    )
    channels = data.pop("channels")
    feed = Feed.objects.create(
        organization=organization,
        with_review=bool(with_review),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        next_fetch_at=timezone.now(),
        **data,
    )
    feed.integrations.set(channels)
    audit("feed.created", feed, actor, request)
    _enqueue_fetch(feed)
    return feed


@transaction.atomic
def feed_update(
    *,
    feed: Feed,
    name: str,
    url: str,
    integrations,
    template: str,
    channel_templates: dict | None = None,
    mode: str = Feed.Mode.QUEUE,
    with_review: bool = False,
    image: str = Feed.Image.NONE,
    backlog: str = Feed.Backlog.DRAFTS,
    interval_minutes: int = 60,
    customer: Customer | None = None,
    actor=None,
    request=None,
) -> Feed:
    """posts.publish; the same checks as creating. The entries already seen stay seen
    (none posts again). A new address is a new feed to read: its conditional-request
    state is dropped and its back catalogue is taken again on the next read."""
    # The caller's feed (from the selectors) carries the request's organization and so
    # who acts through it; the row re-read under the lock does not.
    organization = feed.organization
    feed = Feed.objects.select_for_update().get(pk=feed.pk)
    data = _clean(
        organization=organization,
        name=name,
        url=url,
        integrations=integrations,
        template=template,
        channel_templates=channel_templates,
        mode=mode,
        image=image,
        backlog=backlog,
        interval_minutes=interval_minutes,
        customer=customer,
    )
    channels = data.pop("channels")
    moved = data["url"] != feed.url
    for field, value in data.items():
        setattr(feed, field, value)
    feed.with_review = bool(with_review)
    fields = [*data, "with_review", "updated_at"]
    if moved:
        feed.etag, feed.last_modified, feed.content_hash, feed.primed_at = "", "", "", None
        feed.next_fetch_at = timezone.now()
        fields += ["etag", "last_modified", "content_hash", "primed_at", "next_fetch_at"]
    feed.save(update_fields=fields)
    feed.integrations.set(channels)
    audit("feed.updated", feed, actor, request, {"address_changed": moved})
    return feed


@transaction.atomic
def feed_delete(*, feed: Feed, actor=None, request=None) -> None:
    """posts.publish; the feed and its record of entries go. Posts it made stay."""
    audit("feed.deleted", feed, actor, request)
    feed.delete()


@transaction.atomic
def feed_resume(*, feed: Feed, actor=None, request=None) -> Feed:
    """posts.publish; a paused feed is read again at once, its failure count cleared."""
    now = timezone.now()
    Feed.objects.filter(pk=feed.pk).update(
        state=Feed.State.ACTIVE,
        consecutive_failures=0,
        paused_at=None,
        next_fetch_at=now,
        fetch_requested_at=now,
        updated_at=now,
    )
    feed.refresh_from_db()
    audit("feed.resumed", feed, actor, request)
    _enqueue_fetch(feed)
    return feed


@transaction.atomic
def feed_fetch_request(*, feed: Feed, actor=None, request=None) -> Feed:
    """posts.publish; "fetch now": the worker reads the feed as soon as it can, and the
    feed's page shows the result. A paused feed is resumed first (FeedBusy otherwise)."""
    if feed.state == Feed.State.PAUSED:
        raise FeedBusy("This feed is paused. Resume it to read it again.")
    now = timezone.now()
    Feed.objects.filter(pk=feed.pk).update(fetch_requested_at=now)
    feed.fetch_requested_at = now
    audit("feed.fetch_requested", feed, actor, request)
    _enqueue_fetch(feed)
    return feed


# -- Preview ----------------------------------------------------------------------------
def feed_preview(
    *,
    organization: Organization,
    url: str,
    template: str,
    channel_templates: dict | None,
    integrations,
    feed: Feed | None = None,
) -> dict:
    """posts.publish; reads the address now (through the guard) and answers what the
    next read would do: how many entries are back catalogue, and the texts of the next
    posts per channel. Raises ValidationError with what is wrong."""
    try:
        template = template_check(template)
    except TemplateError as error:
        raise ValidationError({"template": str(error)}) from None
    try:
        fetched = fetching.fetch_feed((url or "").strip())
        parsed = parse(fetched.body, url=fetched.url, content_type=fetched.content_type)
    except (fetching.FetchError, NotAFeed) as error:
        raise ValidationError({"url": str(error)}) from None
    channels = [c for c in integrations or () if c.organization_id == organization.pk]
    first = feed is None or feed.primed_at is None or feed.url != url
    entries = list({e.key: e for e in reversed(parsed.entries)}.values())[::-1]
    if feed is not None and not first:
        known = entries_known(feed, entries)
        entries = [e for e in entries if e.key not in known]
    overrides = {str(k): v for k, v in (channel_templates or {}).items() if (v or "").strip()}
    ordered = oldest_first(entries)
    shown = ordered[::-1][:PREVIEW_ENTRIES] if first else ordered[:PREVIEW_ENTRIES]
    posts = [
        {
            "title": e.title,
            "link": e.link,
            "published_at": e.published_at,
            "image": e.images[0] if e.images else "",
            "texts": [
                {"channel": c, "text": text}
                for c, text in zip(
                    channels,
                    entry_texts(template, overrides, channels, e).values(),
                    strict=True,
                )
            ],
        }
        for e in shown
    ]
    return {
        "title": parsed.title,
        "entries": len(parsed.entries),
        "first_read": first,
        "backlog": len(entries) if first else 0,
        "new": 0 if first else len(entries),
        "posts": posts,
        "malformed": parsed.malformed,
    }

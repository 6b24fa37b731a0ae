"""Every write about short links: the settings, a post's choice, shortening a post's links
before it is sent, a click, and the clicks read from the other shorteners."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from integrations.providers.base import ErrorKind, ProviderError
from organizations.services import audit_record
from posts.links import LINKS_KEY
from posts.links.models import GroupLinkChoice, LinkSettings, Preference, Shortener, ShortLink
from posts.links.shorteners import Config, Made, new_code, shortener_for
from posts.links.text import has_links, links_in

logger = logging.getLogger("postiz.links")

# How long after publishing the clicks of other shorteners' links are still read.
SYNC_FOR = timedelta(days=90)
# How often one link's clicks are read, at most.
SYNC_EVERY = timedelta(hours=1)
SYNC_BATCH = 200


# -- Settings ----------------------------------------------------------------------------
def link_settings_for(*, organization) -> LinkSettings:
    """The organization's settings, or the defaults (unsaved) when it never chose."""
    row = LinkSettings.objects.filter(organization=organization).first()
    return row or LinkSettings(organization=organization)


@transaction.atomic
def link_settings_update(
    *,
    organization,
    actor,
    preference: str,
    shortener: str,
    domain: str = "",
    kutt_url: str = "",
    api_key: str | None = None,
    request=None,
) -> LinkSettings:
    """organization.manage. Saves the preference and the shortener; ``api_key`` None
    keeps the saved key, "" removes it. Links already made keep their shortener and
    target."""
    row, _ = LinkSettings.objects.select_for_update().get_or_create(organization=organization)
    row.preference = preference
    row.shortener = shortener
    row.domain = domain.strip()
    row.kutt_url = kutt_url.strip()
    if api_key is not None:
        secrets = dict(row.secrets)
        if api_key:
            secrets["api_key"] = api_key
        else:
            secrets.pop("api_key", None)
        row.secrets = secrets
    row.save()
    audit_record(
        action="links.settings_changed",
        actor=actor,
        organization=organization,
        target=organization,
        details={
            "preference": preference,
            "shortener": shortener or "default",
            "api_key_changed": api_key is not None,
        },
        request=request,
    )
    return row


def config_for(row: LinkSettings | None) -> Config:
    """The shortener an organization's links go to, with what it needs (its own key and
    domain, else the instance's). Raises ProviderError when something it needs is
    missing, in words that say where to set it."""
    kind = (row.shortener if row else "") or settings.SHORTLINK_PROVIDER or Shortener.BUILTIN
    if kind not in Shortener.values:
        raise ProviderError(
            ErrorKind.PERMISSION_DENIED,
            f"The shortener {kind!r} is unknown; choose one in the short-link settings.",
        )
    own_key = (row.secrets.get("api_key") if row else "") or ""
    domain = (row.domain if row else "") or ""
    if kind == Shortener.BUILTIN:
        return Config(kind=kind, base_url=settings.SHORTLINK_BASE_URL)
    label = Shortener(kind).label
    if kind == Shortener.DUB:
        config = Config(kind, own_key or settings.DUB_API_KEY, domain or settings.DUB_DOMAIN)
    elif kind == Shortener.SHORTIO:
        config = Config(
            kind, own_key or settings.SHORTIO_API_KEY, domain or settings.SHORTIO_DOMAIN
        )
        if not config.domain:
            raise _missing(f"{label} needs the short domain to make links on")
    else:
        base = (row.kutt_url if row else "") or settings.KUTT_URL
        config = Config(kind, own_key or settings.KUTT_API_KEY, base_url=base)
        if not config.base_url:
            raise _missing(f"{label} needs the address of its server")
    if not config.api_key:
        raise _missing(f"{label} needs an API key")
    return config


def _missing(what: str) -> ProviderError:
    return ProviderError(
        ErrorKind.PERMISSION_DENIED,
        f"Short links are set to use {what}, and none is set. Add it in the short-link "
        "settings, or choose the built-in shortener.",
    )


# -- A post's choice ---------------------------------------------------------------------
def group_links_choose(*, group, shorten: bool | None) -> None:
    """posts.edit (whoever writes the post). Remembers whether this post's links are
    shortened when the organization asks each time; None forgets the answer."""
    if shorten is None:
        GroupLinkChoice.objects.filter(group=group).delete()
        return
    GroupLinkChoice.objects.update_or_create(group=group, defaults={"shorten": bool(shorten)})


# The organization's preference and a group's saved answer in one round trip.
_COMPOSER_STATE = (
    "SELECT (SELECT preference FROM posts_linksettings WHERE organization_id = %s), "
    "(SELECT shorten FROM posts_grouplinkchoice WHERE group_id = %s)"
)


def composer_link_state(*, organization, group=None) -> tuple[str, bool | None]:
    """The composer asks (one query): the organization's preference, and the group's
    saved answer (None when it has none)."""
    with connection.cursor() as cursor:
        cursor.execute(_COMPOSER_STATE, [organization.pk, group.pk if group else None])
        preference, shorten = cursor.fetchone()
    return preference or Preference.ASK, shorten


def shortening_config(post) -> Config | None:
    """The shortener this post's links go to, or None when they stay as written (the
    organization never shortens, or asks and this post's answer is no)."""
    row = LinkSettings.objects.filter(organization_id=post.organization_id).first()
    preference = row.preference if row else Preference.ASK
    if preference == Preference.NEVER:
        return None
    if preference == Preference.ASK and not _answers([post.group_id]).get(post.group_id):
        return None
    return config_for(row)


def _answers(group_ids) -> dict[int, bool | None]:
    """{group id: its answer to "shorten the links?"}, one query. A repeat's later
    occurrence (a group of its own) keeps the answer given for the series."""
    from posts.models import PostGroup

    rows = PostGroup.objects.filter(pk__in=set(group_ids)).values_list(
        "pk", "link_choice__shorten", "repeat_of__link_choice__shorten"
    )
    return {pk: own if own is not None else series for pk, own, series in rows}


def posts_wanting_short_links(posts) -> set[int]:
    """The publishing loop asks: which of ``posts`` (claimed, with links to decide) are to
    have their links shortened? Two queries at most, whatever the number of posts."""
    organizations = {post.organization_id for post in posts}
    preferences = dict(
        LinkSettings.objects.filter(organization_id__in=organizations).values_list(
            "organization_id", "preference"
        )
    )
    asking = [
        post.group_id
        for post in posts
        if preferences.get(post.organization_id, Preference.ASK) == Preference.ASK
    ]
    answers = _answers(asking) if asking else {}
    return {
        post.pk
        for post in posts
        if preferences.get(post.organization_id, Preference.ASK) == Preference.ALWAYS
        or answers.get(post.group_id)
    }


def items_to_shorten(items) -> list:
    """The items whose links may still be shortened: not sent, not possibly sent (their
    text may be on the network already and must stay as it went), not decided before."""
    return [
        item
        for item in items
        if LINKS_KEY not in item.progress
        and item.published_at is None
        and item.commit_started_at is None
        and has_links(item.content)
    ]


# -- Shortening a post's links (the engine) ------------------------------------------------
def links_prepare(*, post, items) -> int:
    """The publishing engine calls this before anything of ``post`` is sent. Shortens the
    links of the items not yet decided, and stores each item's map {link: short link}
    (``PostItem.progress[LINKS_KEY]``) with the ``ShortLink`` rows in one transaction;
    every attempt then builds the same text from the map. Raises ProviderError, having
    stored nothing, when the shortener fails or is not set up. Returns the links made."""
    pending = items_to_shorten(items)
    if not pending:
        return 0
    config = shortening_config(post)
    if config is None:
        return 0
    shortener = shortener_for(config)
    skip = shortener.skip_hosts() | _own_hosts()
    made: dict[str, Made] = {}
    maps: list[tuple[object, dict[str, str]]] = []
    for item in pending:
        # A link longer than a target may be is left as written.
        found = [url for url in links_in(item.content, skip_hosts=skip) if len(url) <= 2000]
        for url in found:
            if url not in made:
                made[url] = shortener.shorten(url)
        maps.append((item, found))
    first_item = {}
    for item, found in maps:
        for url in found:
            first_item.setdefault(url, item)
    with transaction.atomic():
        for url, link in list(made.items()):
            made[url] = _save_link(post, first_item[url], config.kind, url, link)
        for item, found in maps:
            mapping = {url: made[url].short_url for url in found}
            progress = {**item.progress, LINKS_KEY: mapping}
            type(item).objects.filter(pk=item.pk).update(progress=progress)
            item.progress = progress
    return len(made)


def _own_hosts() -> frozenset[str]:
    from urllib.parse import urlsplit

    return frozenset({(urlsplit(settings.SHORTLINK_BASE_URL).hostname or "").lower()})


def _save_link(post, item, kind: str, target: str, made: Made) -> Made:
    """One ShortLink row; a built-in code that is taken already is drawn again."""
    for _ in range(5):
        try:
            with transaction.atomic():
                ShortLink.objects.create(
                    organization_id=post.organization_id,
                    post=post,
                    item=item,
                    shortener=kind,
                    code=made.code,
                    target=target,
                    short_url=made.short_url,
                    remote_id=made.remote_id[:100],
                )
            return made
        except IntegrityError:
            if made.code is None:
                raise
            code = new_code()
            base = made.short_url.rsplit("/l/", 1)[0]
            made = Made(short_url=f"{base}/l/{code}", code=code)
    raise IntegrityError("No free short-link code after five tries.")


# -- Clicks ------------------------------------------------------------------------------
# One statement, one round trip: the count goes up in the row itself (no read-modify-write,
# so concurrent clicks are all counted) and the target comes back for the redirect.
_CLICK = (
    "UPDATE posts_shortlink SET clicks = clicks + 1 "
    "WHERE code = %s AND shortener = 'builtin' RETURNING target"
)
_LOOK = "SELECT target FROM posts_shortlink WHERE code = %s AND shortener = 'builtin'"


def link_follow(*, code: str, count: bool) -> str | None:
    """Anyone (the public redirect). The target of a built-in short link, its click
    counted when ``count``; None when there is no such link."""
    if not code or len(code) > 16:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_CLICK if count else _LOOK, [code])
        row = cursor.fetchone()
    return row[0] if row else None


def links_sync_clicks(*, limit: int = SYNC_BATCH) -> int:
    """The worker's periodic job. Reads the clicks of other shorteners' links published
    in the last 90 days, least recently read first, each at most hourly; a shortener
    that fails is logged and tried at the next round. Returns the links read."""
    now = timezone.now()
    links = list(
        ShortLink.objects.exclude(shortener=Shortener.BUILTIN)
        .filter(created_at__gte=now - SYNC_FOR)
        .exclude(remote_id="")
        .exclude(clicks_synced_at__gte=now - SYNC_EVERY)
        .order_by("clicks_synced_at", "id")
        .select_related("organization")[:limit]
    )
    rows = {
        row.organization_id: row
        for row in LinkSettings.objects.filter(
            organization_id__in={link.organization_id for link in links}
        )
    }
    read = 0
    shorteners: dict[tuple[int, str], object] = {}
    for link in links:
        key = (link.organization_id, link.shortener)
        try:
            if key not in shorteners:
                row = rows.get(link.organization_id)
                row = _as_kind(row, link)
                shorteners[key] = shortener_for(config_for(row))
            clicks = shorteners[key].clicks(link.remote_id)
        except ProviderError as error:
            logger.info("short link %s: clicks not read (%s)", link.pk, error.kind)
            ShortLink.objects.filter(pk=link.pk).update(clicks_synced_at=now)
            continue
        changes = {"clicks_synced_at": now}
        if clicks is not None:
            changes["clicks"] = max(clicks, 0)
        ShortLink.objects.filter(pk=link.pk).update(**changes)
        read += 1
    return read


def _as_kind(row: LinkSettings | None, link: ShortLink) -> LinkSettings:
    """The organization's settings as they apply to ``link``'s shortener: its own key and
    domain while it still uses that shortener, else the instance's."""
    copy = LinkSettings(organization_id=link.organization_id, shortener=link.shortener)
    if row is not None and (row.shortener or settings.SHORTLINK_PROVIDER) == link.shortener:
        # Only the same shortener's key: another service's key is never sent to it.
        copy.domain, copy.kutt_url = row.domain, row.kutt_url
        copy.secrets = dict(row.secrets)
    return copy

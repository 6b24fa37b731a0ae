"""Asking the AI for a suggestion: checked, counted against the organization's daily
allowance, streamed, and the result checked against the channel's validator.

Nothing here writes a post: a suggestion reaches the post only when the person accepts it
in the composer (and saves it there, through the composer's own services).
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from billing import limits
from integrations.models import Integration
from integrations.providers import provider_classes
from integrations.providers.base import DraftItem
from media.models import MediaFile
from organizations.models import Organization
from posts.assist import prompts
from posts.assist.client import AssistError, stream_chat

logger = logging.getLogger("postiz.assist")

ACTIONS = ("rewrite", "shorten", "first_comment", "translate", "alt_text")
LIMIT_NAME = "ai_requests_per_day"
MAX_TEXT = 10_000
# The composer's alt text field takes this many characters.
ALT_TEXT_LIMIT = 1500
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
# Larger images go as their thumbnail: vision models scale them down anyway.
MAX_IMAGE_BYTES = 4 * 1024 * 1024


class AssistInvalid(Exception):
    """The request cannot be asked as it is; ``message`` says what to change."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Target:
    """The channel a suggestion is written for, and its limit as the validator counts."""

    channel: Integration
    network: str
    limit: int | None
    provider: object = field(repr=False)
    as_channel: object = field(repr=False)

    def check(self, text: str) -> dict:
        """The suggestion against the channel's validator (the one publishing uses)."""
        issues = self.provider.validate_item(0, DraftItem(text=text), self.as_channel)
        too_long = [i for i in issues if i.code == "text_too_long"]
        return {
            "channel": self.channel.name,
            "network": self.network,
            "count": self.provider.count_text(text, self.as_channel),
            "limit": self.limit,
            "over": bool(too_long),
            "issue": too_long[0].message if too_long else "",
        }


@dataclass
class Prepared:
    action: str
    messages: list[dict]
    target: Target | None = None
    max_tokens: int = 800
    with_images: bool = False


def _target(channel: Integration) -> Target | None:
    cls = provider_classes().get(channel.provider)
    if cls is None:
        return None
    provider = channel.provider_instance()
    as_channel = channel.as_channel()
    return Target(
        channel=channel,
        network=cls.display_name,
        limit=provider.limit_for(as_channel),
        provider=provider,
        as_channel=as_channel,
    )


def _tokens_for(limit: int | None, default: int = 800) -> int:
    # A token is roughly four characters; leave room for the model to finish its sentence.
    return max(200, min(4000, (limit or default * 3) // 2))


def _image_data_url(media: MediaFile) -> str:
    """The image as a data: URL, so a model on another host (or a local one) sees it
    without reaching this site."""
    source, mime = media.file, media.mime_type
    if media.size > MAX_IMAGE_BYTES or mime not in IMAGE_TYPES:
        if not media.thumbnail:
            raise AssistInvalid(
                _("This image is too large to describe; write its alt text yourself.")
            )
        source = media.thumbnail
        mime = mimetypes.guess_type(media.thumbnail.name)[0] or "image/webp"
    try:
        with source.open("rb") as handle:
            data = handle.read(MAX_IMAGE_BYTES + 1)
    except OSError as error:
        raise AssistInvalid(_("The image could not be read from the library.")) from error
    if len(data) > MAX_IMAGE_BYTES:
        raise AssistInvalid(_("This image is too large to describe; write its alt text yourself."))
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def assist_prepare(
    *,
    action: str,
    text: str = "",
    channels: list[Integration] = (),
    tone: str = "",
    hashtags: bool = False,
    language: str = "",
    media: MediaFile | None = None,
) -> Prepared:
    """Any member who can write posts: the prompt for ``action`` on ``text`` for the given
    channels (already checked to be the member's), or AssistInvalid saying what is missing."""
    if action not in ACTIONS:
        raise AssistInvalid(_("Choose what the writing help should do."))
    text = (text or "").replace("\r\n", "\n").strip()
    if action != "alt_text" and not text:
        raise AssistInvalid(_("Write something first: the suggestion starts from your text."))
    if len(text) > MAX_TEXT:
        raise AssistInvalid(
            _("The text is too long to send (%(count)d of %(limit)d at most).")
            % {"count": len(text), "limit": MAX_TEXT}
        )
    targets = [t for t in (_target(c) for c in channels) if t is not None]

    if action == "rewrite":
        if len(targets) != 1:
            raise AssistInvalid(_("Choose the channel to rewrite the text for."))
        if tone not in prompts.TONES:
            raise AssistInvalid(_("Choose one of the tones offered."))
        target = targets[0]
        messages = prompts.rewrite(
            text, network=target.network, limit=target.limit, tone=tone, hashtags=hashtags
        )
        return Prepared(action, messages, target, _tokens_for(target.limit))
    if action == "shorten":
        limited = [t for t in targets if t.limit]
        if not limited:
            raise AssistInvalid(
                _("Choose a channel with a length limit first: shortening fits the text to it.")
            )
        target = min(limited, key=lambda t: t.limit)
        count = target.provider.count_text(text, target.as_channel)
        if count <= target.limit:
            raise AssistInvalid(
                _("The text already fits %(network)s (%(count)d of %(limit)d characters).")
                % {"network": target.network, "count": count, "limit": target.limit}
            )
        messages = prompts.shorten(text, network=target.network, limit=target.limit)
        return Prepared(action, messages, target, _tokens_for(target.limit))
    if action == "first_comment":
        target = targets[0] if targets else None
        messages = prompts.first_comment(
            text,
            network=target.network if target else "",
            limit=target.limit if target else None,
        )
        return Prepared(action, messages, target, 400)
    if action == "translate":
        if language not in prompts.LANGUAGES:
            raise AssistInvalid(_("Choose a language to translate into."))
        return Prepared(action, prompts.translate(text, language=language), None, 2000)
    # alt_text
    if media is None or media.kind != MediaFile.Kind.IMAGE:
        raise AssistInvalid(_("Choose an image to describe."))
    messages = prompts.alt_text(_image_data_url(media), context=text)
    return Prepared(action, messages, None, 300, with_images=True)


def assist_start(*, organization: Organization, actor, prepared: Prepared) -> Iterator[dict]:
    """Any member who can write posts: takes one of the organization's AI requests for the
    day (LimitReached when none is left) and returns the suggestion's events: ``delta``
    pieces as they come, then ``done`` (the tidied text, checked against the channel) or
    ``error``. An error of the AI server gives the request back."""
    limits.daily_take(organization, LIMIT_NAME, default=settings.AI_REQUESTS_PER_DAY)
    return _events(organization, actor, prepared)


def _events(organization, actor, prepared: Prepared) -> Iterator[dict]:
    started = time.monotonic()
    pieces: list[str] = []
    outcome = "cancelled"
    chunks = stream_chat(
        prepared.messages, max_tokens=prepared.max_tokens, with_images=prepared.with_images
    )
    try:
        for piece in chunks:
            pieces.append(piece)
            yield {"event": "delta", "text": piece}
        text = prompts.tidy("".join(pieces))
        if not text:
            outcome = "empty"
            limits.daily_give_back(organization, LIMIT_NAME)
            yield {"event": "error", "message": _("The AI gave an empty answer. Try again.")}
            return
        done = {"event": "done", "text": text}
        if prepared.target is not None:
            done.update(prepared.target.check(text))
        elif prepared.action == "alt_text":
            done.update(
                {
                    "count": len(text),
                    "limit": ALT_TEXT_LIMIT,
                    "over": len(text) > ALT_TEXT_LIMIT,
                    "issue": _("Alt text takes %(limit)d characters; this has %(count)d.")
                    % {"limit": ALT_TEXT_LIMIT, "count": len(text)}
                    if len(text) > ALT_TEXT_LIMIT
                    else "",
                }
            )
        outcome = "done"
        yield done
    except AssistError as error:
        outcome = f"error:{error.kind}"
        limits.daily_give_back(organization, LIMIT_NAME)
        yield {"event": "error", "message": error.message}
    finally:
        # Closed early (Cancel, or the browser went away): the connection to the AI server
        # closes now, not whenever the garbage collector gets to it.
        chunks.close()
        # Sizes and timing only: what people write is theirs, and is never logged.
        logger.info(
            "AI %s for %s by user %s: %s, %d characters in %.1f s",
            prepared.action,
            organization.slug,
            getattr(actor, "pk", None),
            outcome,
            sum(len(p) for p in pieces),
            time.monotonic() - started,
        )

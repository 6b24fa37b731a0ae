"""What a publish's status says, for both of TikTok's posting APIs (the Content Posting
API here, the API for Business in tiktok_business): they name the same states and fail
reasons, under different keys."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.utils.translation import gettext_noop

from integrations.providers.base import ErrorKind, ProviderError, PublishResult, RemoteRef
from integrations.providers.tiktok.errors import DAY, FAIL_REASONS
from organizations.texts import Text

FAILED = "FAILED"
IN_INBOX = "SEND_TO_USER_INBOX"
COMPLETE = "PUBLISH_COMPLETE"


def handle_parts(handle: str) -> tuple[dict, str]:
    """(what the handle names, the publish id): a JSON handle, or a bare publish id."""
    try:
        named = json.loads(handle)
        return named, named["publish_id"]
    except (ValueError, TypeError, KeyError):
        return {}, handle


def publish_outcome(
    status: dict,
    *,
    named: dict,
    publish_id: str,
    ids_key: str,
    reason_key: str,
    ref: Callable[[str, str], RemoteRef],
    forget: dict | None,
    forget_keys: Iterable[str],
) -> PublishResult | None:
    """The publish's result when the status has one; None while TikTok is still working.
    A failure raises TikTok's verdict; one TikTok may make again if asked (its fetch
    failed, the daily limit) drops ``forget_keys`` from ``forget`` so the next attempt
    starts a new publish."""
    state = status.get("status")
    raw = {"publish_id": publish_id, "status": state}
    if state == FAILED:
        raise publish_failure(str(status.get(reason_key) or ""), forget, forget_keys)
    if state == IN_INBOX:
        # In the creator's inbox (drafts): out of our hands, with no public post yet.
        return PublishResult(ref=RemoteRef(id=""), raw=raw)
    if state == COMPLETE:
        ids = [str(i) for i in status.get(ids_key) or [] if i]
        if not ids:
            # Made, but not public (private, or still in moderation): the person sets its
            # id from the account's videos.
            return PublishResult(ref=RemoteRef(id=""), raw=raw)
        kind = "photo" if named.get("kind") == "photo" else "video"
        return PublishResult(ref=ref(ids[0], kind), raw=raw)
    return None


def publish_failure(reason: str, forget: dict | None, forget_keys: Iterable[str]) -> ProviderError:
    if reason in FAIL_REASONS:
        kind, known = FAIL_REASONS[reason]
        message = Text(known)
    else:
        kind = ErrorKind.CONTENT_REJECTED
        message = Text(
            gettext_noop("TikTok could not publish the post (%(reason)s)."), reason=reason
        )
    if kind in (ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.RATE_LIMITED) and forget is not None:
        for key in forget_keys:
            forget.pop(key, None)
    return ProviderError(
        kind,
        message,
        network_code=reason or FAILED,
        retry_after=DAY if kind == ErrorKind.RATE_LIMITED else None,
        field="media" if reason.endswith("_check_failed") else "",
        verdict=True,
    )

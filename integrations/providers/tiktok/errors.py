"""What TikTok's answers mean: its error body on every answer, the error table read from
it, and the reasons a publish ends FAILED."""

from __future__ import annotations

import requests
from django.utils.translation import gettext_noop

from integrations.providers.base import (
    SERVER_FAULT,
    ErrorKind,
    ErrorTable,
    Phase,
    Rule,
    Said,
    after_headers,
    json_object,
)

DAY = 24 * 3600


# -- errors: {"data": {...}, "error": {"code", "message", "log_id"}} on every answer, with
# code "ok" on success; the token endpoint speaks OAuth's flat {"error", "error_description"}
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    error = (body or {}).get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        return Said(
            response.status_code,
            code="" if code == "ok" else code,
            message=str(error.get("message") or ""),
            body=body,
        )
    if isinstance(error, str) and error:
        return Said(
            response.status_code,
            code=error,
            message=str(body.get("error_description") or ""),
            body=body,
        )
    return Said(response.status_code, body=body)


def log_id_of(response: requests.Response) -> str:
    body = json_object(response, None) or {}
    error = body.get("error")
    if isinstance(error, dict) and error.get("log_id"):
        return str(error["log_id"])
    return str(body.get("log_id") or response.headers.get("x-tt-logid") or "")


def next_day(response: requests.Response, said: Said) -> float:
    return float(DAY)


ERRORS = ErrorTable(
    read=read_error,
    rows=(
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("TikTok no longer accepts this sign-in; reconnect the channel."),
            phase=Phase.AUTH,
            code="invalid_grant",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "TikTok refused this server's app key ({message|invalid client}); the "
                "administrator must check TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET."
            ),
            phase=Phase.AUTH,
            code="invalid_client",
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("TikTok did not accept this sign-in{detail} Connect again."),
            phase=Phase.AUTH,
            code="invalid_request",
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("TikTok sign-in expired; we will renew it."),
            code="access_token_invalid",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "TikTok was not allowed to do this for the account ({message|scope not "
                "authorized}); reconnect the channel and allow posting."
            ),
            code=("scope_not_authorized", "scope_permission_missed"),
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("TikTok asked us to slow down; we will try again later."),
            code="rate_limit_exceeded",
            retry_after=after_headers(60.0),
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "This TikTok account reached its daily post limit; we will try again tomorrow."
            ),
            code="spam_risk_too_many_posts",
            retry_after=next_day,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "This TikTok account has too many posts waiting in its inbox; finish or "
                "delete some in the TikTok app. We will try again tomorrow."
            ),
            code="spam_risk_too_many_pending_share",
            retry_after=next_day,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "This server's TikTok app reached its daily limit of posting accounts; we will "
                "try again tomorrow."
            ),
            code="reached_active_user_cap",
            retry_after=next_day,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "TikTok does not let this account post right now (it is restricted from "
                "posting); check the account in the TikTok app."
            ),
            code="spam_risk_user_banned_from_posting",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop(
                "This server's TikTok app is not audited yet, so TikTok only accepts posts "
                'visible to the creator alone: choose "only me" as who can see it.'
            ),
            code="unaudited_client_can_only_post_to_private_accounts",
            field="privacy_level",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop(
                "This TikTok account cannot post with that visibility; choose one of the "
                "options TikTok offers for it."
            ),
            code="privacy_level_option_mismatch",
            field="privacy_level",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "TikTok only fetches media from a domain verified for this server's app; the "
                "administrator must verify the media domain in the TikTok developer portal."
            ),
            code="url_ownership_unverified",
            field="media",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("TikTok rejected the post: {message|invalid parameters}"),
            code=("invalid_params", "invalid_file_upload"),
        ),
        Rule(
            SERVER_FAULT,
            gettext_noop("TikTok had a temporary problem{detail}"),
            code="internal_error",
        ),
    ),
)

# A FAILED publish's fail_reason: what it means, and what the person is told. A publish
# that failed made nothing, so the reasons TikTok may get past on another go (its own
# fault, a fetch that failed) start a new publish.
FAIL_REASONS = {
    "file_format_check_failed": (
        ErrorKind.CONTENT_REJECTED,
        gettext_noop(
            "TikTok could not use the file's format; upload an MP4, MOV or WebM video (H.264 or "
            "H.265) or JPEG/WebP photos."
        ),
    ),
    "duration_check_failed": (
        ErrorKind.CONTENT_REJECTED,
        gettext_noop("TikTok refused the video's length; it must be within the account's maximum."),
    ),
    "frame_rate_check_failed": (
        ErrorKind.CONTENT_REJECTED,
        gettext_noop(
            "TikTok refused the video's frame rate; it accepts 23 to 60 frames per second."
        ),
    ),
    "picture_size_check_failed": (
        ErrorKind.CONTENT_REJECTED,
        gettext_noop(
            "TikTok refused the picture size; videos must be 360 to 4096 pixels on each side and "
            "photos at most 1080p."
        ),
    ),
    "publish_cancelled": (
        ErrorKind.CONTENT_REJECTED,
        gettext_noop("The post was cancelled on TikTok before it went out."),
    ),
    "spam_risk_text": (
        ErrorKind.CONTENT_REJECTED,
        gettext_noop("TikTok flagged the caption; change it."),
    ),
    "spam_risk": (ErrorKind.CONTENT_REJECTED, gettext_noop("TikTok flagged this post as a risk.")),
    "auth_removed": (
        ErrorKind.AUTH_REVOKED,
        gettext_noop("The account removed this app's access on TikTok; reconnect the channel."),
    ),
    "spam_risk_too_many_posts": (
        ErrorKind.RATE_LIMITED,
        gettext_noop(
            "This TikTok account reached its daily post limit; we will try again tomorrow."
        ),
    ),
    "spam_risk_user_banned_from_posting": (
        ErrorKind.PERMISSION_DENIED,
        gettext_noop(
            "TikTok does not let this account post right now; check it in the TikTok app."
        ),
    ),
    "internal": (
        ErrorKind.TRANSIENT_BEFORE_SEND,
        gettext_noop("TikTok had an internal problem with this post; we will send it again."),
    ),
    "video_pull_failed": (
        ErrorKind.TRANSIENT_BEFORE_SEND,
        gettext_noop(
            "TikTok could not download the video from its public address; we will try again."
        ),
    ),
    "photo_pull_failed": (
        ErrorKind.TRANSIENT_BEFORE_SEND,
        gettext_noop(
            "TikTok could not download the photos from their public addresses; we will try again."
        ),
    ),
}

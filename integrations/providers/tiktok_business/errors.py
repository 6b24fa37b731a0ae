"""What TikTok API for Business answers mean: the envelope every answer carries, the
error table read from it, and the request id TikTok's support asks for."""

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


# -- errors: {"code": <int>, "message", "request_id", "data"} on every answer, code 0 on
# success, mostly on HTTP 200. The codes are TikTok API for Business's return codes.
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    if body is None or "code" not in body:
        return Said(response.status_code, body=body)
    code = str(body.get("code"))
    return Said(
        response.status_code,
        code="" if code == "0" else code,
        message=str(body.get("message") or ""),
        body=body,
    )


def request_id_of(response: requests.Response) -> str:
    body = json_object(response, None) or {}
    return str(body.get("request_id") or response.headers.get("x-tt-logid") or "")


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "TikTok no longer accepts this sign-in ({message|refresh token expired}); "
                "reconnect the channel."
            ),
            phase=Phase.AUTH,
            code=("40103", "40107", "40110"),
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "TikTok refused this server's app ({message|invalid app}); the administrator must "
                "check TIKTOK_BUSINESS_APP_ID and TIKTOK_BUSINESS_APP_SECRET."
            ),
            code="40101",
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("TikTok sign-in expired; we will renew it."),
            code=("40102", "40104", "40105"),
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "TikTok did not allow this for the account ({message|missing permission}); "
                "reconnect the channel and allow every permission asked."
            ),
            code="40001",
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("TikTok asked us to slow down; we will try again later."),
            code="40100",
            retry_after=after_headers(60.0),
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("TikTok rejected the post: {message|invalid parameters}"),
            code="40002",
        ),
        Rule(
            SERVER_FAULT,
            gettext_noop("TikTok had a temporary problem{detail}"),
            pattern=r"^5\d{4}\b",
        ),
    ),
)

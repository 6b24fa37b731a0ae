"""What Facebook Pages and Instagram share: the Graph API's error shape and the rules that
read it, Facebook Login (the code, then the 60-day user token), and the media container's
status as Instagram reports it.

Graph answers errors as ``{"error": {"message", "type", "code", "error_subcode",
"error_user_msg", "is_transient", "fbtrace_id"}}`` on any status, 200 included; throttling
arrives on 400 and 403 (never 429) with the wait, in minutes, in ``X-Business-Use-Case-Usage``
or ``X-App-Usage``.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import requests
from django.utils.translation import gettext_noop

from integrations.providers.base import (
    SERVER_FAULT,
    SOME_CODE,
    ErrorKind,
    ErrorTable,
    Grant,
    Phase,
    Provider,
    ProviderError,
    Rule,
    Said,
    expiry_after,
    json_object,
)
from organizations.texts import Text

# The Graph API version every Meta call names; Meta supports each for about two years.
GRAPH_VERSION = "v24.0"
GRAPH = f"/{GRAPH_VERSION}"
# Application, page and user throttling, and the Business Use Case limits.
RATE_LIMIT_CODES = (4, 17, 32, 613, 80001, 80002, 80004)
PERMISSION_CODES = (10, *range(200, 300))
# Instagram: "the maximum number of posts that can be published in 24 hours is reached".
PUBLISHING_LIMIT = "4/2207042"
# Waits when Meta does not say: a throttle usually lifts within minutes; the daily
# publishing limit frees one slot as the oldest post of the last 24 h ages out.
DEFAULT_THROTTLE_WAIT = 300.0
PUBLISHING_LIMIT_WAIT = 3600.0
NOT_FOUND = gettext_noop("{name} could not find the target: {message}")

logger = logging.getLogger(__name__)


def normalise(text: str) -> str:
    """Text as the network gives it back, for matching a post after an unclear outcome."""
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


def regain_access_seconds(response: requests.Response) -> float | None:
    """Meta's estimate (minutes) in X-Business-Use-Case-Usage or X-App-Usage, in seconds."""
    best = None
    for header in ("X-Business-Use-Case-Usage", "X-App-Usage"):
        raw = response.headers.get(header)
        if not raw:
            continue
        try:
            usage = json.loads(raw)
        except ValueError:
            continue
        entries = []
        if isinstance(usage, dict):
            for value in usage.values():
                entries += value if isinstance(value, list) else [value]
            entries.append(usage)
        for entry in entries:
            if isinstance(entry, dict) and entry.get("estimated_time_to_regain_access"):
                try:
                    minutes = float(entry["estimated_time_to_regain_access"])
                except (TypeError, ValueError):
                    continue
                best = max(best or 0.0, minutes * 60)
    return best


def read_error(response: requests.Response, phase: Phase) -> Said:
    """Graph's error object, on whatever status it came."""
    body = json_object(response, None)
    error = (body or {}).get("error")
    if not isinstance(error, dict) and isinstance((body or {}).get("error_type"), str):
        # Instagram Login's token endpoint: {"error_type", "code", "error_message"}.
        error = {"code": body.get("code"), "message": body.get("error_message")}
    if not isinstance(error, dict):
        return Said(response.status_code, body=body)
    try:
        code = str(int(error.get("code") or 0))
    except (TypeError, ValueError):
        code = "0"
    subcode = error.get("error_subcode")
    return Said(
        response.status_code,
        code=code,
        message=str(error.get("error_user_msg") or error.get("message") or ""),
        network_code=f"{code}/{subcode}" if subcode else code,
        transient=bool(error.get("is_transient")),
        body=body,
    )


def _throttle_wait(response: requests.Response, said: Said) -> float:
    return regain_access_seconds(response) or DEFAULT_THROTTLE_WAIT


def graph_errors(
    *,
    expired: ErrorKind,
    expired_message: str,
    containers: bool,
    daily_limit: bool = True,
    few_viewers: bool = False,
) -> ErrorTable:
    """The Graph error table (Facebook, Instagram, Threads); ``expired`` is what a stale
    token (190) means outside the sign-in: ``auth_revoked`` where nothing can renew it
    (Page tokens), ``auth_expired`` where a refresh exists (Instagram Login, Threads).
    ``containers`` adds what only the container flow answers (Instagram, Threads): "media
    not ready", and with ``daily_limit`` Instagram's daily publishing limit.
    ``few_viewers``: Instagram answers a post's insights with error 10, its permission
    code, while too few people have seen it; that is no refused permission (which would
    ask for a reconnection) but insights not there yet."""
    temporary = gettext_noop("{name} had a temporary problem: {message}")
    daily = (
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "{name} allows a limited number of posts a day through its API and this "
                "account has reached it; we will try again when the oldest post of the last "
                "24 hours ages out."
            ),
            code=PUBLISHING_LIMIT,
            retry_after=PUBLISHING_LIMIT_WAIT,
        ),
    )
    # The container is not ready: nothing was published, so a retry is safe.
    not_ready = (
        Rule(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            gettext_noop("{name} is still preparing the media; we will try again shortly."),
            code=9007,
            retry_after=30.0,
        ),
    )
    return ErrorTable(
        read=read_error,
        rows=(
            Rule(
                ErrorKind.AUTH_REVOKED,
                gettext_noop("{name} no longer accepts this sign-in; reconnect the channel."),
                phase=Phase.AUTH,
                code=190,
            ),
            Rule(expired, expired_message, code=190),
            *(daily if containers and daily_limit else ()),
            Rule(
                ErrorKind.RATE_LIMITED,
                gettext_noop("{name} asked us to slow down; we will try again later."),
                code=RATE_LIMIT_CODES,
                retry_after=_throttle_wait,
            ),
            Rule(
                ErrorKind.AUTH_REVOKED,
                gettext_noop("{name} refused the sign-in: {message}; connect again."),
                phase=Phase.AUTH,
                status=range(100, 500),
                transient=False,
                code=SOME_CODE,
            ),
            Rule(
                ErrorKind.CONTENT_REJECTED,
                gettext_noop("{name} rejects duplicate posts; change the text and try again."),
                code=506,
            ),
            Rule(
                ErrorKind.CONTENT_REJECTED,
                gettext_noop("{name} blocked this post under its rules: {message}"),
                code=368,
            ),
            *(not_ready if containers else ()),
            *(
                (
                    Rule(
                        ErrorKind.NOT_FOUND,
                        gettext_noop("{name} has no insights for this post yet: {message}"),
                        phase=Phase.READ,
                        code=10,
                        pattern="not enough viewers",
                    ),
                )
                if few_viewers
                else ()
            ),
            Rule(
                ErrorKind.PERMISSION_DENIED,
                gettext_noop(
                    "{name} does not allow this for the connected account: {message}. "
                    "Reconnect and allow publishing."
                ),
                code=PERMISSION_CODES,
            ),
            Rule(ErrorKind.NOT_FOUND, NOT_FOUND, code="100/33"),
            Rule(SERVER_FAULT, temporary, transient=True, code=SOME_CODE),
            Rule(SERVER_FAULT, temporary, code=(1, 2)),
            Rule(SERVER_FAULT, temporary, status=range(500, 1000), code=SOME_CODE),
            Rule(
                ErrorKind.NOT_FOUND,
                NOT_FOUND,
                status=404,
                code=SOME_CODE,
            ),
            Rule(
                ErrorKind.CONTENT_REJECTED,
                gettext_noop("{name} rejected the post: {message}"),
                code=SOME_CODE,
            ),
        ),
    )


# -- Insights (analytics) ------------------------------------------------------------------
def insights_refused(error: ProviderError, name: str, permission: str) -> None:
    """A refused read of insights says which permission the channel must be reconnected
    with (the table's own message speaks of publishing)."""
    if error.kind == ErrorKind.PERMISSION_DENIED:
        error.text = Text(
            gettext_noop(
                "%(network)s refused to share this channel's statistics: reading them needs "
                "the %(permission)s permission. Reconnect the channel and allow it."
            ),
            network=name,
            permission=permission,
        )
        error.user_message = str(error.text)
        error.args = (error.user_message,)


def insight_totals(body: dict) -> dict[str, int]:
    """``{metric: count}`` from an insights answer's ``data``: a lifetime metric's value,
    or a ``total_value``; breakdowns (objects rather than counts) are skipped."""
    found: dict[str, int] = {}
    for row in body.get("data") or []:
        if not isinstance(row, dict) or not row.get("name"):
            continue
        total = row.get("total_value")
        values = row.get("values") or []
        if isinstance(total, dict):
            value = total.get("value")
        elif values and isinstance(values[-1], dict):
            value = values[-1].get("value")
        else:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            found[str(row["name"])] = int(value)
    return found


def insight_days(body: dict, since: date, until: date) -> dict[date, dict[str, int]]:
    """``{day: {metric: count}}`` from the time series of an insights answer, the days
    from ``since`` to ``until`` only. Meta stamps each day with its end, midnight Pacific
    time written in UTC (07:00 or 08:00 the next day): twelve hours earlier is the day."""
    days: dict[date, dict[str, int]] = {}
    for row in body.get("data") or []:
        if not isinstance(row, dict) or not row.get("name"):
            continue
        for point in row.get("values") or []:
            if not isinstance(point, dict):
                continue
            value = point.get("value")
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            try:
                end = datetime.strptime(str(point.get("end_time")), "%Y-%m-%dT%H:%M:%S%z")
            except ValueError:
                continue
            day = (end.astimezone(UTC) - timedelta(hours=12)).date()
            if since <= day <= until:
                days.setdefault(day, {})[str(row["name"])] = int(value)
    return days


def day_windows(since: date, until: date, days: int) -> list[tuple[date, date]]:
    """``since`` to ``until`` in spans of at most ``days`` days (Meta caps a range)."""
    spans = []
    start = since
    while start <= until:
        end = min(start + timedelta(days=days - 1), until)
        spans.append((start, end))
        start = end + timedelta(days=1)
    return spans


def unix_day(day: date) -> int:
    """Midnight UTC of ``day`` as a Unix time, the form Meta's ``since``/``until`` take."""
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp())


def unix_until(day: date) -> int:
    """The end of ``day`` (the next midnight UTC) as a Unix ``until``, never later than
    now: a range reaching into the future is refused."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
    return int(min(end, datetime.now(UTC)).timestamp())


def today() -> date:
    return datetime.now(UTC).date()


# -- Facebook Login -------------------------------------------------------------------------
def facebook_login(provider: Provider, *, code: str, redirect_uri: str, needed: str) -> Grant:
    """The code → a short user token → the 60-day user token, with the permissions the
    person granted. Refused at once (permission_denied) when ``needed`` was declined,
    rather than at the first publish."""
    client_id = provider.setting(provider.oauth.client[0])
    secret = provider.setting(provider.oauth.client[1])
    token_url = provider.url("api", f"{GRAPH}/oauth/access_token")
    short = provider.read_json(
        provider.request(
            "GET",
            token_url,
            phase=Phase.AUTH,
            params={
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uri": redirect_uri,
                "code": code,
            },
        ),
        Phase.AUTH,
    )
    if not short.get("access_token"):
        raise ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND, Text(gettext_noop("Facebook sent no access token."))
        )
    data = provider.read_json(
        provider.request(
            "GET",
            token_url,
            phase=Phase.AUTH,
            params={
                "grant_type": "fb_exchange_token",
                "client_id": client_id,
                "client_secret": secret,
                "fb_exchange_token": short["access_token"],
            },
        ),
        Phase.AUTH,
    )
    token = data.get("access_token")
    if not token:
        raise ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND, Text(gettext_noop("Facebook sent no access token."))
        )
    response = provider.request(
        "GET",
        provider.url("api", f"{GRAPH}/me/permissions"),
        phase=Phase.AUTH,
        headers=provider.bearer(token),
    )
    granted = [
        str(row.get("permission"))
        for row in provider.read_json(response, Phase.AUTH).get("data") or []
        if isinstance(row, dict) and row.get("status") == "granted"
    ]
    if needed not in granted:
        raise ProviderError(
            ErrorKind.PERMISSION_DENIED,
            Text(
                gettext_noop(
                    "%(network)s was not allowed to publish (%(permission)s); connect again "
                    "and keep every permission ticked."
                ),
                network=provider.display_name,
                permission=needed,
            ),
            network_code="scope",
        )
    return Grant(
        credentials={"user_access_token": token},
        # The Page tokens the channels use do not expire once taken from this token.
        expires_at=None,
        scopes=granted,
        meta={"user_token_expires_at": _iso(expiry_after(data.get("expires_in")))},
    )


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def pages(provider: Provider, user_token: str, fields: str) -> list[dict]:
    """The Pages the person can act on (``/me/accounts``), every page of the list."""
    found: list[dict] = []
    params = {"fields": fields, "limit": 100}
    for _ in range(20):  # 2,000 Pages is plenty; a cursor that never ends stops here
        response = provider.request(
            "GET",
            provider.url("api", f"{GRAPH}/me/accounts"),
            phase=Phase.READ,
            params=params,
            headers=provider.bearer(user_token),
        )
        data = provider.read_json(response, Phase.READ)
        found += [page for page in data.get("data") or [] if isinstance(page, dict)]
        paging = data.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            break
        params = {**params, "after": after}
    return found


# -- Containers (Instagram) ----------------------------------------------------------------
def wait_for_container(
    provider: Provider,
    status: Callable[[], dict],
    *,
    attempts: int,
    interval: float,
    on_expired: Callable[[], None],
) -> None:
    """Poll a container until FINISHED (bounded: a retry resumes here with the same one).

    ERROR rejects the post with Meta's reason; EXPIRED (unpublished for 24 h) calls
    ``on_expired`` so the next attempt prepares a new container; PUBLISHED means an
    earlier attempt already published it, so this one must not (the engine then looks the
    post up)."""
    name = provider.display_name

    def finished() -> bool:
        answer = status()
        state = answer.get("status_code")
        if state in ("FINISHED", None):
            return True
        if state == "PUBLISHED":
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "This %(network)s post was already published by an earlier attempt."
                    ),
                    network=name,
                ),
                network_code="PUBLISHED",
            )
        if state == "ERROR":
            reason = answer.get("status") or Text(gettext_noop("unknown error"))
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "%(network)s could not process the media (%(reason)s). Check its "
                        "format, size, length and aspect ratio."
                    ),
                    network=name,
                    reason=reason,
                ),
                network_code="ERROR",
                field="media",
            )
        if state == "EXPIRED":
            on_expired()
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "The prepared %(network)s post expired before publishing; we will "
                        "prepare it again."
                    ),
                    network=name,
                ),
                network_code="EXPIRED",
            )
        return False

    if provider.poll(finished, attempts=attempts, interval=interval):
        return
    raise ProviderError(
        ErrorKind.TRANSIENT_BEFORE_SEND,
        Text(
            gettext_noop("%(network)s is still processing the media; we will try again shortly."),
            network=name,
        ),
        retry_after=60,
        network_code="IN_PROGRESS",
    )

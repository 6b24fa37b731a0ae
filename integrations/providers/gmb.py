"""Google Business Profile: posts ("local posts") on the locations a Google account
manages, one channel per location.

Signing in is Google's OAuth with offline access. The locations come from two of the
Business Profile APIs (accounts from Account Management, their locations from Business
Information); posts go through the My Business v4 ``localPosts``. Google fetches the one
photo a post may carry from its public address. There is no idempotency key: after an
unclear outcome the location's posts are searched for ours. Every Business Profile API
needs Google's approval for the server's Cloud project; until then its quota is zero,
which is told to the person as a missing permission with what to request.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    SERVER_FAULT,
    Account,
    Channel,
    Draft,
    ErrorKind,
    ErrorTable,
    Grant,
    Issue,
    MediaItem,
    MediaRules,
    Metrics,
    OAuth2,
    Phase,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
    Rule,
    Said,
    SettingField,
    Tool,
    after_headers,
    json_object,
)
from organizations.texts import Text

MB = 1024 * 1024
SCOPE = "https://www.googleapis.com/auth/business.manage"
SUMMARY_LIMIT = 1500
EVENT_TITLE_LIMIT = 58
PHOTO_MIN_SIDE = 250
TOPICS = ("STANDARD", "EVENT", "OFFER")
ACTIONS = ("NONE", "BOOK", "ORDER", "SHOP", "LEARN_MORE", "SIGN_UP", "GET_OFFER", "CALL")
LOCATION_FIELDS = "name,title,storefrontAddress,metadata"
# Our name for a quota of zero, which is how Google says that a project was never granted
# access to the Business Profile APIs (the answer is a 429 like any other quota).
QUOTA_ZERO = "QUOTA_ZERO"
# How far before our request a post found on the location may have been created (clocks
# differ), for it to be taken as ours after an unclear outcome.
LOOKUP_SLACK = timedelta(minutes=5)
SENT_AT = "post_sent_at"
# The Business Profile Performance API's daily metrics, by our names: a business shown on
# Maps or Search (desktop or mobile) is an impression; a website visit, a call or a
# request for directions from the profile is a click.
# Google's insights reach back 18 months; a range starting earlier is refused whole.
HISTORY_DAYS = 540
DAILY_METRICS = {
    "BUSINESS_IMPRESSIONS_DESKTOP_MAPS": "impressions",
    "BUSINESS_IMPRESSIONS_DESKTOP_SEARCH": "impressions",
    "BUSINESS_IMPRESSIONS_MOBILE_MAPS": "impressions",
    "BUSINESS_IMPRESSIONS_MOBILE_SEARCH": "impressions",
    "WEBSITE_CLICKS": "clicks",
    "CALL_CLICKS": "clicks",
    "BUSINESS_DIRECTION_REQUESTS": "clicks",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


# -- errors: {"error": {"code", "message", "status", "details"}} on the APIs, OAuth's
# {"error", "error_description"} on the token endpoint ----------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    error = (body or {}).get("error")
    if isinstance(error, str):
        return Said(
            response.status_code,
            code=error,
            message=str((body or {}).get("error_description") or ""),
            body=body,
        )
    if not isinstance(error, dict):
        return Said(response.status_code, body=body)
    reason, message = "", str(error.get("message") or "")
    for detail in error.get("details") or []:
        if not isinstance(detail, dict):
            continue
        kind = str(detail.get("@type") or "")
        if kind.endswith("google.rpc.ErrorInfo"):
            reason = str(detail.get("reason") or "")
            metadata = detail.get("metadata") or {}
            if str(metadata.get("quota_limit_value")) == "0":
                reason = QUOTA_ZERO
        elif kind.endswith("ValidationError"):
            # My Business v4 says which field is wrong, in words a person can act on.
            for item in detail.get("errorDetails") or []:
                if isinstance(item, dict) and item.get("message"):
                    field = item.get("field")
                    message = f"{item['message']} ({field})" if field else str(item["message"])
                    break
        elif kind.endswith("google.rpc.BadRequest"):
            for item in detail.get("fieldViolations") or []:
                if isinstance(item, dict) and item.get("description"):
                    message = str(item["description"])
                    break
    return Said(
        response.status_code,
        code=str(error.get("status") or ""),
        network_code=reason,
        message=message,
        body=body,
    )


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Google refused this server's app credentials; ask the administrator to check "
                "GMB_CLIENT_ID and GMB_CLIENT_SECRET."
            ),
            phase=Phase.AUTH,
            code=("invalid_client", "unauthorized_client"),
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Google no longer accepts this sign-in ({message|revoked}); reconnect the channel."
            ),
            phase=Phase.AUTH,
            code="invalid_grant",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            # Each row says all of it (how access is asked for) in one sentence to translate.
            gettext_noop(
                "Google Business Profile has not granted this server access. The Google "
                "Business Profile APIs must be approved for this server's Google Cloud "
                "project: its administrator requests access at "
                "https://developers.google.com/my-business/content/prereqs and enables the My "
                "Business APIs. Nothing was posted."
            ),
            code=QUOTA_ZERO,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Google Business Profile refused: {message}. The Google Business Profile APIs "
                "must be approved for this server's Google Cloud project: its administrator "
                "requests access at https://developers.google.com/my-business/content/prereqs "
                "and enables the My Business APIs. Nothing was posted."
            ),
            code="SERVICE_DISABLED",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Google Business Profile refused: {message|permission denied}. Check that the "
                "signed-in account still manages this location. The Google Business Profile "
                "APIs must be approved for this server's Google Cloud project: its "
                "administrator requests access at "
                "https://developers.google.com/my-business/content/prereqs and enables the My "
                "Business APIs. Nothing was posted."
            ),
            status=403,
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("Google sign-in expired; we will renew it."),
            status=401,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Google Business Profile asked us to slow down; we will try again later."),
            status=429,
            retry_after=after_headers(60.0),
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop(
                "Google Business Profile could not find the location or post: {message|not found}"
            ),
            status=404,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Google Business Profile rejected the post: {message|invalid}"),
            status=(400, 409, 422),
        ),
        Rule(
            SERVER_FAULT,
            gettext_noop("Google Business Profile had a server error ({status})."),
            status=range(500, 600),
        ),
    ),
)


class GoogleBusinessProvider(Provider):
    identifier = "gmb"
    display_name = "Google Business Profile"
    auth_kind = "oauth2"
    account_selection = "locations"
    reply_mode = "none"
    text_counter = "codepoints"
    text_limit = SUMMARY_LIMIT
    media_rules = MediaRules(
        max_count=1,
        mime_types=("image/jpeg", "image/png"),
        max_image_bytes=5 * MB,
        requires_public_url=True,
    )
    idempotency = "none"
    lookup = "by-content"
    async_publish = True
    # The location's daily impressions and clicks (Business Profile Performance API). A
    # post's own counts are not offered: only My Business v4's localPosts.reportInsights
    # ever gave them, and Google directs every v4 insights user to the Performance API,
    # which reports per location, never per post.
    analytics = "account"
    # One call brings every metric of a whole date range; the data changes once a day.
    metrics_per_hour = 12
    refresh_ahead = 300
    max_concurrency = 2
    scopes = (SCOPE,)
    oauth = OAuth2(
        client=("GMB_CLIENT_ID", "GMB_CLIENT_SECRET"),
        # Offline access gives a refresh token; consent is asked every time, because
        # Google sends the refresh token only on the first consent otherwise.
        params={"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"},
        write_scope=SCOPE,
        reconnect_message=gettext_noop("Google gave no renewable sign-in; reconnect this channel."),
    )
    required_settings = ("GMB_CLIENT_ID", "GMB_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {
        "auth": "https://accounts.google.com/o/oauth2/v2/auth",
        "token": "https://oauth2.googleapis.com/token",
        "accounts": "https://mybusinessaccountmanagement.googleapis.com",
        "info": "https://mybusinessbusinessinformation.googleapis.com",
        "api": "https://mybusiness.googleapis.com",
        "performance": "https://businessprofileperformance.googleapis.com",
    }
    settings_fields = (
        SettingField(
            "topicType", "enum", label=gettext_lazy("Post type"), choices=TOPICS, default="STANDARD"
        ),
        SettingField(
            "callToActionType",
            "enum",
            label=gettext_lazy("Button"),
            choices=ACTIONS,
            default="NONE",
        ),
        SettingField("callToActionUrl", "url", label=gettext_lazy("Button link")),
        SettingField(
            "eventTitle", "string", label=gettext_lazy("Title"), max_length=EVENT_TITLE_LIMIT
        ),
        SettingField(
            "eventStartDate",
            "string",
            label=gettext_lazy("Start date"),
            help_text=gettext_lazy("YYYY-MM-DD"),
        ),
        SettingField(
            "eventEndDate",
            "string",
            label=gettext_lazy("End date"),
            help_text=gettext_lazy("YYYY-MM-DD"),
        ),
        SettingField(
            "eventStartTime",
            "string",
            label=gettext_lazy("Start time"),
            help_text=gettext_lazy("HH:MM"),
        ),
        SettingField(
            "eventEndTime",
            "string",
            label=gettext_lazy("End time"),
            help_text=gettext_lazy("HH:MM"),
        ),
        SettingField("offerCouponCode", "string", label=gettext_lazy("Coupon code"), max_length=58),
        SettingField("offerRedeemUrl", "url", label=gettext_lazy("Redeem online at")),
        SettingField(
            "offerTerms", "text", label=gettext_lazy("Terms and conditions"), max_length=5000
        ),
    )
    tools = (
        Tool(
            "locations",
            gettext_lazy(
                "The Business Profile locations the connected Google account manages: id, name, "
                "address and account."
            ),
        ),
    )
    redact_patterns = (r"(?<=refresh_token=)[^&\s]+", r"(?<=client_secret=)[^&\s]+")

    page_size = 100
    # Pages read at most per list (accounts, each account's locations).
    max_pages = 10
    lookup_count = 20

    # -- connecting: one channel per location ---------------------------------------------
    def accounts(self, grant: Grant) -> list[Account]:
        return self._locations(grant.credentials["access_token"])

    def _locations(self, token: str) -> list[Account]:
        found: list[Account] = []
        for account in self._pages(token, self.url("accounts", "/v1/accounts"), "accounts", {}):
            account_name = str(account.get("name") or "")
            if not account_name.startswith("accounts/"):
                continue
            locations = self._pages(
                token,
                self.url("info", f"/v1/{account_name}/locations"),
                "locations",
                {"readMask": LOCATION_FIELDS},
            )
            for location in locations:
                if str(location.get("name") or "").startswith("locations/"):
                    found.append(self._account(location, account))
        return found

    def _pages(self, token: str, url: str, key: str, params: dict) -> list[dict]:
        items: list[dict] = []
        page_token = ""
        for _page in range(self.max_pages):
            query = {**params, "pageSize": self.page_size}
            if page_token:
                query["pageToken"] = page_token
            response = self.request(
                "GET", url, phase=Phase.READ, params=query, headers=self.bearer(token)
            )
            data = self.read_json(response, Phase.READ)
            items += [item for item in data.get(key) or [] if isinstance(item, dict)]
            page_token = data.get("nextPageToken") or ""
            if not page_token:
                break
        return items

    @staticmethod
    def _account(location: dict, account: dict) -> Account:
        location_name = str(location["name"])
        address = location.get("storefrontAddress") or {}
        lines = [*(address.get("addressLines") or []), address.get("locality") or ""]
        metadata = location.get("metadata") or {}
        return Account(
            external_id=location_name.split("/", 1)[1],
            name=str(location.get("title") or location_name),
            username=", ".join(line for line in lines if line),
            profile_url=str(metadata.get("mapsUri") or ""),
            kind="location",
            meta={
                "account": str(account.get("name") or ""),
                "account_name": str(account.get("accountName") or ""),
                "location": location_name,
            },
        )

    def fetch_profile(self, channel: Channel) -> Account:
        location = channel.meta.get("location") or f"locations/{channel.external_id}"
        response = self.request(
            "GET",
            self.url("info", f"/v1/{location}"),
            phase=Phase.READ,
            params={"readMask": LOCATION_FIELDS},
            headers=self.bearer(channel.credentials["access_token"]),
        )
        data = self.read_json(response, Phase.READ)
        data.setdefault("name", location)
        return self._account(data, {"name": channel.meta.get("account", "")})

    # -- look-up tools ------------------------------------------------------------------
    def locations(self, channel: Channel) -> list[dict]:
        return [
            {
                "id": account.external_id,
                "name": account.name,
                "address": account.username,
                "account": account.meta["account"],
                "mapsUrl": account.profile_url,
            }
            for account in self._locations(channel.credentials["access_token"])
        ]

    # -- analytics -------------------------------------------------------------------------
    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """The location's daily impressions (Maps and Search, desktop and mobile) and
        clicks (website, calls, directions). Google leaves out a day's value when it is
        zero, so a day it lists without a value counts 0; a day it does not list at all
        (not yet reported) is absent."""
        today = datetime.now(UTC).date()
        since, until = max(since, today - timedelta(days=HISTORY_DAYS)), min(until, today)
        if since > until:
            return {}
        location = channel.meta.get("location") or f"locations/{channel.external_id}"
        params: list[tuple[str, str | int]] = [("dailyMetrics", name) for name in DAILY_METRICS]
        for edge, day in (("startDate", since), ("endDate", until)):
            params += [
                (f"dailyRange.{edge}.year", day.year),
                (f"dailyRange.{edge}.month", day.month),
                (f"dailyRange.{edge}.day", day.day),
            ]
        try:
            response = self.request(
                "GET",
                self.url("performance", f"/v1/{location}:fetchMultiDailyMetricsTimeSeries"),
                phase=Phase.READ,
                params=params,
                headers=self.bearer(channel.credentials["access_token"]),
            )
        except ProviderError as error:
            if error.kind != ErrorKind.PERMISSION_DENIED:
                raise
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "Google did not share this location's performance. The channel needs "
                        "the %(scope)s permission and an account that manages the location; "
                        "this server's Google Cloud project needs the Business Profile "
                        "Performance API enabled, after Google approved its access to the "
                        "Business Profile APIs."
                    ),
                    scope=SCOPE,
                ),
                network_code=error.network_code,
                raw_excerpt=error.raw_excerpt,
            ) from error
        return performance_days(self.read_json(response, Phase.READ), since, until)

    # -- validation -----------------------------------------------------------------------
    def validate_media(self, index, media, rules=None) -> list[Issue]:
        videos = [m for m in media if m.is_video]
        if videos:
            # Said plainly: the generic "does not accept video/mp4" hides the rule.
            return [
                Issue(
                    "media_type",
                    _("Google Business Profile posts cannot carry videos; use one photo."),
                    "media",
                    item=index,
                )
            ]
        issues = super().validate_media(index, media, rules)
        for file in media:
            if (file.width and file.width < PHOTO_MIN_SIDE) or (
                file.height and file.height < PHOTO_MIN_SIDE
            ):
                issues.append(
                    Issue(
                        "media_dimensions",
                        _(
                            "%(file)s is %(size)s; Google Business Profile needs photos of at "
                            "least %(min)s."
                        )
                        % {
                            "file": file.filename,
                            "size": f"{file.width}x{file.height}",
                            "min": f"{PHOTO_MIN_SIDE}x{PHOTO_MIN_SIDE}",
                        },
                        "media",
                        item=index,
                        limit=PHOTO_MIN_SIDE,
                    )
                )
        return issues

    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        settings = draft.settings
        topic = settings.get("topicType") or "STANDARD"
        action = settings.get("callToActionType") or "NONE"
        url = str(settings.get("callToActionUrl") or "")
        if topic == "OFFER" and action != "NONE":
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "An offer carries Google's own “View offer” button; the button you chose "
                        "will not be shown."
                    ),
                    "callToActionType",
                    severity="warning",
                )
            )
        elif action in ACTIONS and action not in ("NONE", "CALL") and not url:
            issues.append(
                Issue(
                    "setting_required",
                    _("Give the address the button opens (only “Call” needs none)."),
                    "callToActionUrl",
                )
            )
        for name in ("callToActionUrl", "offerRedeemUrl"):
            value = str(settings.get(name) or "")
            if value and not value.lower().startswith(("https://", "http://")):
                issues.append(
                    Issue("setting_invalid", _("Links must start with https:// or http://."), name)
                )
        if topic in ("EVENT", "OFFER"):
            issues += self._check_schedule(settings, topic)
        first = draft.items[0] if draft.items else None
        if topic == "STANDARD" and first and first.media and not first.text.strip():
            # A photo alone is not an update (without a photo the shared check says so).
            issues.append(Issue("text_required", _("Write what the update says.")))
        return issues

    @staticmethod
    def _check_schedule(settings: dict, topic: str) -> list[Issue]:
        event = topic == "EVENT"
        issues: list[Issue] = []
        if not str(settings.get("eventTitle") or "").strip():
            message = _("An event needs a title.") if event else _("An offer needs a title.")
            issues.append(Issue("setting_required", message, "eventTitle"))
        for name in ("eventStartDate", "eventEndDate"):
            value = settings.get(name)
            if not value:
                message = (
                    _("An event needs a start and an end date.")
                    if event
                    else _("An offer needs a start and an end date.")
                )
                issues.append(Issue("setting_required", message, name))
            elif not (isinstance(value, str) and _DATE.match(value) and _parse_date(value)):
                issues.append(Issue("setting_invalid", _("Write dates as YYYY-MM-DD."), name))
        for name in ("eventStartTime", "eventEndTime"):
            value = settings.get(name)
            if value and not (isinstance(value, str) and _TIME.match(value) and _parse_time(value)):
                issues.append(Issue("setting_invalid", _("Write times as HH:MM (24 h)."), name))
        if (settings.get("eventStartTime") or "") and not settings.get("eventEndTime"):
            issues.append(
                Issue("setting_required", _("Give the end time as well."), "eventEndTime")
            )
        start = _moment(settings, "eventStartDate", "eventStartTime", time.min)
        end = _moment(settings, "eventEndDate", "eventEndTime", time.max)
        if start and end and end < start:
            message = (
                _("An event must end after it starts.")
                if event
                else _("An offer must end after it starts.")
            )
            issues.append(Issue("setting_invalid", message, "eventEndDate"))
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        body = self.local_post(request)
        request.progress[SENT_AT] = datetime.now(UTC).isoformat()
        response = self.request(
            "POST",
            self.url("api", f"/v4/{self._parent(channel)}/localPosts"),
            phase=Phase.COMMIT,
            json=body,
            headers=self.bearer(channel.credentials["access_token"]),
        )
        post = self.read_json(response, Phase.COMMIT)
        if not post.get("name"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop("Google accepted the post but did not say which post it created.")
                ),
                raw_excerpt=response.text,
            )
        return self._result(post)

    def local_post(self, request: PublishRequest) -> dict:
        """The LocalPost for this request (settings already validated)."""
        settings = request.settings
        topic = settings.get("topicType") or "STANDARD"
        body: dict = {"topicType": topic}
        if request.text:
            body["summary"] = request.text
        action = settings.get("callToActionType") or "NONE"
        if action != "NONE" and topic != "OFFER":
            body["callToAction"] = {"actionType": action}
            if action != "CALL":
                body["callToAction"]["url"] = settings.get("callToActionUrl") or ""
        if topic in ("EVENT", "OFFER"):
            body["event"] = {
                "title": settings.get("eventTitle") or "",
                "schedule": _schedule(settings),
            }
        if topic == "OFFER":
            offer = {
                "couponCode": settings.get("offerCouponCode"),
                "redeemOnlineUrl": settings.get("offerRedeemUrl"),
                "termsConditions": settings.get("offerTerms"),
            }
            body["offer"] = {key: value for key, value in offer.items() if value}
        if request.media:
            body["media"] = [{"mediaFormat": "PHOTO", "sourceUrl": _public(request.media[0])}]
        return body

    def _result(self, post: dict) -> PublishResult:
        name = str(post["name"])
        state = post.get("state")
        ref = RemoteRef(id=name, url=str(post.get("searchUrl") or ""))
        if state == "REJECTED":
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Google rejected this post under its content policies; edit it and try "
                        "again."
                    )
                ),
                network_code="REJECTED",
                field="text",
                verdict=True,
            )
        if state == "PROCESSING":
            # Google is still reviewing it: live or rejected later, checked by its name.
            return PublishResult(ref=ref, state="pending", handle=name, raw={"name": name})
        return PublishResult(ref=ref, raw={"name": name, "state": state or ""})

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        response = self.request(
            "GET",
            self.url("api", f"/v4/{handle}"),
            phase=Phase.READ,
            headers=self.bearer(channel.credentials["access_token"]),
        )
        result = self._result(self.read_json(response, Phase.READ))
        return None if result.state == "pending" else result

    def _parent(self, channel: Channel) -> str:
        account = channel.meta.get("account") or ""
        location = channel.meta.get("location") or f"locations/{channel.external_id}"
        return f"{account}/{location}"

    # -- after an unclear outcome -------------------------------------------------------
    def _recent(self, channel: Channel) -> list[dict]:
        response = self.request(
            "GET",
            self.url("api", f"/v4/{self._parent(channel)}/localPosts"),
            phase=Phase.READ,
            params={"pageSize": self.lookup_count},
            headers=self.bearer(channel.credentials["access_token"]),
        )
        posts = self.read_json(response, Phase.READ).get("localPosts") or []
        return [post for post in posts if isinstance(post, dict) and post.get("name")]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The location's post with this summary and type, created no earlier than our
        request (less some clock slack)."""
        since = _parse_instant(request.progress.get(SENT_AT))
        wanted = normalise(request.text)
        topic = request.settings.get("topicType") or "STANDARD"
        for post in self._recent(channel):
            if normalise(post.get("summary") or "") != wanted:
                continue
            if (post.get("topicType") or "STANDARD") != topic:
                continue
            created = _parse_instant(post.get("createTime"))
            if since and created and created < since - LOOKUP_SLACK:
                continue  # an older post with the same words
            return RemoteRef(id=str(post["name"]), url=str(post.get("searchUrl") or ""))
        return None

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [
            RemoteRef(id=str(post["name"]), url=str(post.get("searchUrl") or ""))
            for post in self._recent(channel)
        ]

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"accounts/[^/\s]+/locations/[^/\s]+/localPosts/[^/\s?#]+", remote_id)
        return RemoteRef(id=match.group(0) if match else remote_id.strip())


def performance_days(answer: dict, since: date, until: date) -> dict[date, Metrics]:
    """A fetchMultiDailyMetricsTimeSeries answer as counts per day within the range."""
    totals: dict[date, dict[str, int]] = {}
    for group in answer.get("multiDailyMetricTimeSeries") or []:
        for series in (group or {}).get("dailyMetricTimeSeries") or []:
            ours = DAILY_METRICS.get(str((series or {}).get("dailyMetric") or ""))
            if ours is None:
                continue
            for point in ((series.get("timeSeries") or {}).get("datedValues")) or []:
                day = _google_date((point or {}).get("date"))
                if day is None or not since <= day <= until:
                    continue
                try:
                    value = int(point.get("value") or 0)
                except (TypeError, ValueError):
                    continue
                counts = totals.setdefault(day, {})
                counts[ours] = counts.get(ours, 0) + value
    return {day: Metrics(counts) for day, counts in sorted(totals.items())}


def _google_date(value) -> date | None:
    """A google.type.Date ``{year, month, day}``; a partial one is no day."""
    if not isinstance(value, dict):
        return None
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError):
        return None


def _public(item: MediaItem) -> str:
    if not item.public_url:
        raise ProviderError(
            ErrorKind.CONTENT_REJECTED,
            Text(
                gettext_noop(
                    "Google fetches the photo from a public address; this server has none for "
                    "%(file)s."
                ),
                file=item.filename,
            ),
            field="media",
        )
    return item.public_url


def _parse_date(value) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _parse_time(value) -> time | None:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _moment(settings: dict, day: str, hour: str, default: time) -> datetime | None:
    found = _parse_date(settings.get(day))
    if found is None:
        return None
    return datetime.combine(found, _parse_time(settings.get(hour)) or default)


def _schedule(settings: dict) -> dict:
    """A TimeInterval: dates as {year, month, day}, times (when given) as {hours,
    minutes}; without times the event lasts whole days."""
    schedule: dict = {}
    for key, day_name, hour_name in (
        ("start", "eventStartDate", "eventStartTime"),
        ("end", "eventEndDate", "eventEndTime"),
    ):
        day = _parse_date(settings.get(day_name))
        if day is not None:
            schedule[f"{key}Date"] = {"year": day.year, "month": day.month, "day": day.day}
        hour = _parse_time(settings.get(hour_name))
        if hour is not None:
            schedule[f"{key}Time"] = {"hours": hour.hour, "minutes": hour.minute}
    return schedule


def _parse_instant(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

"""Threads (Meta): container → publish, with media fetched by Meta from public URLs."""

from __future__ import annotations

import logging
from datetime import date

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    Account,
    Channel,
    Draft,
    ErrorKind,
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
    SettingField,
    expiry_after,
)
from integrations.providers.meta import (
    day_windows,
    graph_errors,
    insight_days,
    insight_totals,
    insights_refused,
    normalise,
    today,
    unix_day,
    unix_until,
)
from organizations.texts import Text

MB = 1024 * 1024
GRAPH = "/v1.0"

logger = logging.getLogger(__name__)

# Progress keys of an item that ends its thread with a closing reply. The item is live
# once LIVE is written; a later attempt then only finishes the closing reply.
LIVE = "live"
CLOSING_CONTAINER = "closing_container"
CLOSING_ID = "closing_reply"
CLOSING_GAVE_UP = "closing_reply_error"
CLOSING_TRIES = "closing_reply_tries"
# A live thread is never failed for its closing reply: one more attempt after a blip (or
# a short rate limit), then the reply is given up and the post stays published.
CLOSING_MAX_TRIES = 2
CLOSING_MAX_WAIT = 15 * 60
# A post's insights as Threads names them. Reposts and shares (sent onward) both count as
# shares here.
POST_INSIGHTS = ("views", "likes", "replies", "reposts", "quotes", "shares")
INSIGHTS_PERMISSION = "threads_manage_insights"
# User insights start on April 13, 2024: an earlier ``since`` is refused.
INSIGHTS_START = date(2024, 4, 13)


# Threads speaks the Graph API's error shape: the reader and the throttling wait are
# Meta's (integrations.providers.meta).
ERRORS = graph_errors(
    expired=ErrorKind.AUTH_EXPIRED,
    expired_message=gettext_noop("{name} sign-in expired; we will renew it."),
    containers=True,
    daily_limit=False,
)


class ThreadsProvider(Provider):
    identifier = "threads"
    display_name = "Threads"
    auth_kind = "oauth2"
    account_selection = "none"
    reply_mode = "thread"
    text_counter = "threads"
    text_limit = 500
    media_rules = MediaRules(
        max_count=20,
        mime_types=("image/jpeg", "image/png", "video/mp4", "video/quicktime"),
        max_image_bytes=8 * MB,
        max_video_bytes=1024 * MB,
    )
    idempotency = "container-handle"
    lookup = "by-key"
    refresh_ahead = 7 * 24 * 3600
    max_concurrency = 2
    # Posts per profile in a moving 24 hours (threads_publishing_limit); replies have
    # a cap of their own, and a thread's replies are not posts.
    daily_post_cap = 250
    scopes = (
        "threads_basic",
        "threads_content_publish",
        "threads_manage_replies",
        "threads_manage_insights",
    )
    analytics = "both"
    # One post's insights a request; a profile may make 4,800 calls per 24 h times its
    # impressions, so 200 an hour leaves room for publishing.
    metrics_batch = 1
    metrics_per_hour = 200
    # A repost is POST /{media-id}/repost (threads_content_publish), answered with the
    # repost's id and listed among the account's posts as a REPOST_FACADE. Whether a
    # second request would make a second repost is not documented: after an unclear
    # answer that the listing does not show, the run is left for a person to check.
    plug_kinds = ("repost", "reply")
    plug_metrics = ("likes", "shares", "comments", "views")
    # The sign-in page; the exchange swaps the code's short token for a long-lived one.
    oauth = OAuth2(
        client=("THREADS_APP_ID", "THREADS_APP_SECRET"),
        token=("api", "/oauth/access_token"),
        scope_separator=",",
    )
    required_settings = ("THREADS_APP_ID", "THREADS_APP_SECRET")
    errors = ERRORS
    endpoints = {
        "auth": "https://threads.net/oauth/authorize",
        "api": "https://graph.threads.net",
    }
    settings_fields = (
        SettingField("active_thread_finisher", "bool", label=gettext_lazy("Add a closing reply")),
        SettingField(
            "thread_finisher", "text", label=gettext_lazy("Closing reply"), max_length=500
        ),
    )
    redact_patterns = (r"(?<=access_token=)[^&\s]+", r"(?<=client_secret=)[^&\s]+")

    # Container status polling: None waits poll_default seconds between checks.
    poll_interval: float | None = None
    poll_default = 5.0
    poll_attempts = 60
    lookup_count = 25

    # -- connecting -----------------------------------------------------------------------
    def exchange_code(self, *, code, redirect_uri, code_verifier="", instance=None) -> Grant:
        short = self.oauth.request_token(
            self,
            {"grant_type": "authorization_code", "redirect_uri": redirect_uri, "code": code},
        )
        # The code gives a one-hour token; swap it for the 60-day one straight away.
        response = self.request(
            "GET",
            self.url("api", "/access_token"),
            phase=Phase.AUTH,
            params={
                "grant_type": "th_exchange_token",
                "client_secret": self.setting("THREADS_APP_SECRET"),
                "access_token": short.get("access_token", ""),
            },
        )
        grant = self._grant(self.read_json(response, Phase.AUTH))
        if short.get("user_id"):
            grant.meta["user_id"] = str(short["user_id"])
        return grant

    def _grant(self, data: dict) -> Grant:
        if not data.get("access_token"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND, Text(gettext_noop("Threads sent no access token."))
            )
        # Threads reports no granted scopes here; a missing publish permission surfaces
        # as error 10 on the first publish (permission_denied).
        return Grant(
            credentials={"access_token": data["access_token"]},
            expires_at=expiry_after(data.get("expires_in")),
        )

    def refresh(self, channel: Channel) -> Grant:
        # The long-lived token refreshes itself (once it is a day old); there is no
        # separate refresh token, so the grant has none and the caller keeps nothing else.
        response = self.request(
            "GET",
            self.url("api", "/refresh_access_token"),
            phase=Phase.AUTH,
            params={
                "grant_type": "th_refresh_token",
                "access_token": channel.credentials["access_token"],
            },
        )
        return self._grant(self.read_json(response, Phase.AUTH))

    def _me(self, token: str) -> Account:
        response = self._get(
            token, "/me", {"fields": "id,username,name,threads_profile_picture_url"}
        )
        me = self.read_json(response, Phase.READ)
        username = me.get("username") or ""
        return Account(
            external_id=str(me.get("id") or ""),
            name=me.get("name") or username,
            username=username,
            profile_url=f"https://www.threads.com/@{username}" if username else "",
            avatar_url=me.get("threads_profile_picture_url") or "",
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._me(grant.credentials["access_token"])]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._me(channel.credentials["access_token"])

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        for index, item in enumerate(draft.items):
            for file in item.media:
                if not file.public_url:
                    issues.append(
                        Issue(
                            "media_url",
                            _(
                                "Threads fetches media from a public link; %(file)s has none. "
                                "Configure public media storage or remove the file."
                            )
                            % {"file": file.filename},
                            "media",
                            item=index,
                        )
                    )
        settings = draft.settings
        if (
            settings.get("active_thread_finisher") is True
            and not str(settings.get("thread_finisher") or "").strip()
        ):
            issues.append(
                Issue("setting_required", _("Write the closing reply."), "thread_finisher")
            )
        finisher = str(settings.get("thread_finisher") or "")
        if finisher and self.count_text(finisher) > self.text_limit:
            issues.append(
                Issue(
                    "text_too_long",
                    _("Threads allows %(limit)s characters in the closing reply.")
                    % {"limit": self.text_limit},
                    "thread_finisher",
                    limit=self.text_limit,
                    actual=self.count_text(finisher),
                )
            )
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["access_token"]
        user = channel.external_id
        progress = request.progress
        container = progress.get("container")
        live = progress.get(LIVE)
        if live:
            # An earlier attempt published this item; only its closing reply is left.
            ref = RemoteRef(id=live["id"], url=live.get("url", ""))
        else:
            if not container:
                container = self._create_container(token, user, request)
                progress["container"] = container
            self._wait_ready(token, container, progress, ("container", "children"))
            post_id = self._commit(token, user, container)
            ref = RemoteRef(id=post_id, url=self._permalink(token, post_id))
        raw = {"id": ref.id, "container": container}
        closing = self.closing_reply(request)
        if closing:
            progress[LIVE] = {"id": ref.id, "url": ref.url}
            raw.update(self._close_thread(token, user, ref.id, closing, progress))
        return PublishResult(ref=ref, raw=raw)

    @staticmethod
    def closing_reply(request: PublishRequest) -> str:
        """The closing reply this item must be followed by ("" for none)."""
        settings = request.settings
        if not request.ends_thread or settings.get("active_thread_finisher") is not True:
            return ""
        return str(settings.get("thread_finisher") or "").strip()

    def _close_thread(self, token: str, user: str, reply_to: str, text: str, progress) -> dict:
        """Reply ``text`` to the thread's last post, resuming what an earlier attempt did.

        Errors that may have posted it (unknown outcome) or that a retry fixes at once
        (an expired token) go to the engine like any commit's; a brief blip is retried
        once more; anything else leaves the live thread published without the reply."""
        if progress.get(CLOSING_ID) or progress.get(CLOSING_GAVE_UP):
            return {key: progress[key] for key in (CLOSING_ID, CLOSING_GAVE_UP) if key in progress}
        try:
            container = progress.get(CLOSING_CONTAINER)
            if not container:
                form = {"text": text, "reply_to_id": reply_to, "media_type": "TEXT"}
                container = self._post_container(token, user, form)
                progress[CLOSING_CONTAINER] = container
            self._wait_ready(token, container, progress, (CLOSING_CONTAINER,))
            progress[CLOSING_ID] = self._commit(token, user, container)
        except ProviderError as error:
            if error.kind in (ErrorKind.UNKNOWN_OUTCOME, ErrorKind.AUTH_EXPIRED):
                raise
            if self._retry_closing(error, progress):
                raise
            logger.warning("closing reply given up: %s (%s)", error.kind, error.network_code)
            progress[CLOSING_GAVE_UP] = error.user_message
            return {CLOSING_GAVE_UP: error.user_message}
        return {CLOSING_ID: progress[CLOSING_ID]}

    @staticmethod
    def _retry_closing(error: ProviderError, progress: dict) -> bool:
        if error.kind == ErrorKind.RATE_LIMITED:
            if (error.retry_after or 0) > CLOSING_MAX_WAIT:
                return False
        elif error.kind != ErrorKind.TRANSIENT_BEFORE_SEND:
            return False
        progress[CLOSING_TRIES] = int(progress.get(CLOSING_TRIES, 0)) + 1
        return progress[CLOSING_TRIES] < CLOSING_MAX_TRIES

    def _closing_settled(self, token: str, progress: dict) -> bool:
        """Whether the closing reply is out (or was given up) after an unclear attempt."""
        if progress.get(CLOSING_ID) or progress.get(CLOSING_GAVE_UP):
            return True
        container = progress.get(CLOSING_CONTAINER)
        return (
            bool(container)
            and self._container_status(token, container).get("status") == "PUBLISHED"
        )

    def _commit(self, token: str, user: str, container: str) -> str:
        response = self.request(
            "POST",
            self.url("api", f"{GRAPH}/{user}/threads_publish"),
            phase=Phase.COMMIT,
            data={"creation_id": container},
            headers=self.bearer(token),
        )
        post_id = str(self.read_json(response, Phase.COMMIT).get("id") or "")
        if not post_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop("Threads accepted the post but did not say which post it created.")
                ),
                raw_excerpt=response.text,
            )
        return post_id

    def _create_container(self, token: str, user: str, request: PublishRequest) -> str:
        form: dict = {}
        if request.text:
            form["text"] = request.text
        if request.reply_to is not None:
            form["reply_to_id"] = request.reply_to.id
        media = request.media
        if len(media) == 1:
            form.update(self._media_fields(media[0]))
        elif len(media) > 1:
            children = request.progress.setdefault("children", [])
            for item in media[len(children) :]:
                child = self._post_container(
                    token, user, {"is_carousel_item": "true", **self._media_fields(item)}
                )
                children.append(child)
            for child in children:
                self._wait_ready(token, child)
            form["media_type"] = "CAROUSEL"
            form["children"] = ",".join(children)
        else:
            form["media_type"] = "TEXT"
        return self._post_container(token, user, form)

    def _post_container(self, token: str, user: str, form: dict) -> str:
        response = self.request(
            "POST",
            self.url("api", f"{GRAPH}/{user}/threads"),
            phase=Phase.UPLOAD,
            data=form,
            headers=self.bearer(token),
        )
        container = str(self.read_json(response, Phase.UPLOAD).get("id") or "")
        if not container:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Threads did not create the post container.")),
            )
        return container

    @staticmethod
    def _media_fields(item: MediaItem) -> dict:
        if not item.public_url:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Threads needs a public link to each file; this server has none for "
                        "%(file)s."
                    ),
                    file=item.filename,
                ),
                field="media",
            )
        if item.is_video:
            return {"media_type": "VIDEO", "video_url": item.public_url}
        fields = {"media_type": "IMAGE", "image_url": item.public_url}
        if item.alt_text:
            fields["alt_text"] = item.alt_text
        return fields

    def _wait_ready(
        self, token: str, container: str, progress: dict | None = None, keys: tuple = ()
    ) -> None:
        """Poll the container until FINISHED; bounded, after which a retry resumes here.
        An expired container's ``keys`` are dropped from ``progress`` so a retry makes a
        new one."""

        def finished() -> bool:
            status = self._container_status(token, container)
            state = status.get("status")
            if state in ("FINISHED", None):
                return True
            if state == "PUBLISHED":
                raise ProviderError(
                    ErrorKind.UNKNOWN_OUTCOME,
                    Text(
                        gettext_noop(
                            "This Threads post was already published by an earlier attempt."
                        )
                    ),
                    network_code="PUBLISHED",
                )
            if state == "ERROR":
                raise ProviderError(
                    ErrorKind.CONTENT_REJECTED,
                    Text(
                        gettext_noop("Threads could not process the post: %(reason)s."),
                        reason=status.get("error_message") or Text(gettext_noop("unknown error")),
                    ),
                    network_code="ERROR",
                    field="media",
                )
            if state == "EXPIRED":
                for key in keys:
                    progress.pop(key, None)
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(
                        gettext_noop(
                            "The prepared Threads post expired before publishing; we will prepare "
                            "it again."
                        )
                    ),
                    network_code="EXPIRED",
                )
            return False

        if self.poll(finished, attempts=self.poll_attempts, interval=self._poll_seconds):
            return
        raise ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            Text(gettext_noop("Threads is still processing the media; we will try again shortly.")),
            retry_after=60,
        )

    def _container_status(self, token: str, container: str) -> dict:
        response = self._get(token, f"/{container}", {"fields": "status,error_message"})
        return self.read_json(response, Phase.READ)

    def _permalink(self, token: str, post_id: str) -> str:
        # The post is live; a failure to read its link must not fail the publish.
        try:
            response = self._get(token, f"/{post_id}", {"fields": "permalink"})
            return str(self.read_json(response, Phase.READ).get("permalink") or "")
        except ProviderError:
            return ""

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        token = channel.credentials["access_token"]
        progress = request.progress
        if progress.get(LIVE):
            # The item is live; it is done once its closing reply is. Otherwise publishing
            # again resumes at the closing reply and never repeats the item.
            if self._closing_settled(token, progress):
                return RemoteRef(id=progress[LIVE]["id"], url=progress[LIVE].get("url", ""))
            return None
        container = progress.get("container")
        if container:
            status = self._container_status(token, container).get("status")
            if status != "PUBLISHED":
                # Not published: the container can be published once, so retrying the
                # commit with it is safe.
                return None
        response = self._get(
            token,
            f"/{channel.external_id}/threads",
            {"fields": "id,text,timestamp,permalink", "limit": self.lookup_count},
        )
        wanted = normalise(request.text)
        for post in self.read_json(response, Phase.READ).get("data") or []:
            if normalise(post.get("text", "")) == wanted and post.get("id"):
                found = RemoteRef(id=str(post["id"]), url=post.get("permalink") or "")
                if self.closing_reply(request):
                    # Live, but the closing reply has not gone out: publishing again
                    # sends only that.
                    progress[LIVE] = {"id": found.id, "url": found.url}
                    return None
                return found
        return None

    # -- plugs ----------------------------------------------------------------------------
    def repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef:
        response = self.request(
            "POST",
            self.url("api", f"{GRAPH}/{target.id}/repost"),
            phase=Phase.COMMIT,
            headers=self.bearer(channel.credentials["access_token"]),
        )
        repost_id = str(self.read_json(response, Phase.COMMIT).get("id") or "")
        if not repost_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Threads accepted the repost but did not say which post it created."
                    )
                ),
                raw_excerpt=response.text,
            )
        return RemoteRef(id=repost_id, url=target.url)

    def find_repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef | None:
        response = self._get(
            channel.credentials["access_token"],
            f"/{channel.external_id}/threads",
            {"fields": "id,media_type,reposted_post", "limit": self.lookup_count},
        )
        for post in self.read_json(response, Phase.READ).get("data") or []:
            original = post.get("reposted_post") if isinstance(post, dict) else None
            if (
                post.get("media_type") == "REPOST_FACADE"
                and isinstance(original, dict)
                and str(original.get("id")) == target.id
            ):
                return RemoteRef(id=str(post.get("id") or ""), url=target.url)
        return None

    # -- analytics --------------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Each post's lifetime insights, one post a request (Threads takes no list of ids);
        a deleted post answers error 100/33 and is left out."""
        token = channel.credentials["access_token"]
        found: dict[str, Metrics] = {}
        for ref in refs:
            try:
                response = self._get(
                    token, f"/{ref.id}/insights", {"metric": ",".join(POST_INSIGHTS)}
                )
            except ProviderError as error:
                if error.kind == ErrorKind.NOT_FOUND:
                    continue
                insights_refused(error, self.display_name, INSIGHTS_PERMISSION)
                raise
            counts = insight_totals(self.read_json(response))
            if not counts:
                continue  # a repost of someone else's post: Threads keeps nothing for it
            shares = [counts[k] for k in ("reposts", "shares") if k in counts]
            found[ref.id] = Metrics(
                {
                    "views": counts.get("views"),
                    "likes": counts.get("likes"),
                    "comments": counts.get("replies"),
                    "shares": sum(shares) if shares else None,
                    "quotes": counts.get("quotes"),
                }
            )
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """The profile's views, day by day, and today's follower count. Threads gives its
        other account counts (likes, replies) only as totals over a range, which the posts'
        own counts already hold."""
        token = channel.credentials["access_token"]
        series: dict[date, Metrics] = {}
        followers = None
        for start, end in day_windows(max(since, INSIGHTS_START), until, 90):
            try:
                response = self._get(
                    token,
                    f"/{channel.external_id}/threads_insights",
                    {
                        "metric": "views,followers_count",
                        "since": unix_day(start),
                        "until": unix_until(end),
                    },
                )
            except ProviderError as error:
                insights_refused(error, self.display_name, INSIGHTS_PERMISSION)
                raise
            body = self.read_json(response)
            for day, counts in insight_days(body, start, end).items():
                series[day] = Metrics({"views": counts.get("views")})
            followers = insight_totals(body).get("followers_count", followers)
        if followers is not None:
            day = today()
            series[day] = Metrics({**series.get(day, Metrics()).values, "followers": followers})
        return series

    def _poll_seconds(self) -> float:
        return self.poll_default if self.poll_interval is None else self.poll_interval

    # -- HTTP -----------------------------------------------------------------------------
    def _get(self, token: str, path: str, params: dict) -> requests.Response:
        return self.request(
            "GET",
            self.url("api", f"{GRAPH}{path}"),
            phase=Phase.READ,
            params=params,
            headers=self.bearer(token),
        )

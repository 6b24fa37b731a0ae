"""The plain data exchanged with providers: grants, accounts, channels, media, publish
requests and results, drafts, validation issues, and media rules."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from django.utils.translation import gettext_lazy

from integrations.providers.base.tools import OptionSource

# What one read from a stored file holds at most when a provider streams it.
CHUNK_SIZE = 8 * 1024 * 1024


# -- Data exchanged with providers ---------------------------------------------------------
@dataclass
class Grant:
    """What a login gives: secrets to store encrypted, and their lifetimes."""

    credentials: dict
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scopes: list[str] = field(default_factory=list)
    # Non-secret facts learned at login (instance URL, PDS endpoint, user id).
    meta: dict = field(default_factory=dict)


@dataclass
class Account:
    """One account a grant can post as; becomes (or updates) one channel."""

    external_id: str
    name: str
    username: str = ""
    profile_url: str = ""
    avatar_url: str = ""
    kind: str = "account"  # account, page, channel, chat, community…
    # Per-account secrets (a page token) merged into the grant's credentials.
    credentials: dict = field(default_factory=dict)
    # Per-account facts (chat id, guild id, PDS endpoint).
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    type: str = "text"  # text, url, secret, textarea
    required: bool = True
    help_text: str = ""
    initial: str = ""


@dataclass(frozen=True)
class SettingField:
    """One field of a provider's per-post ``settings`` (public API ``settings``)."""

    name: str
    type: str  # string, text, bool, enum, url, int, list, object
    label: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    default: Any = None
    help_text: str = ""
    # Choices that depend on the account (boards, playlists), looked up with a tool;
    # ``choices`` holds the ones that never change.
    options: OptionSource | None = None


@dataclass
class Channel:
    """What a provider knows of a connected channel while it works."""

    external_id: str
    credentials: dict
    username: str = ""
    meta: dict = field(default_factory=dict)
    preferences: dict = field(default_factory=dict)
    pk: int | None = None


@dataclass
class MediaItem:
    """A file to publish; its type and dimensions were measured at upload."""

    mime_type: str
    size: int
    read: Callable[[], bytes]
    filename: str = "file"
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    alt_text: str = ""
    public_url: str = ""
    # Opens the stored file for reading (a seekable binary file, local disk or S3). Videos
    # are sent from it in bounded chunks; ``read()`` (the whole file at once) is for
    # images and other small files only.
    opener: Callable[[], BinaryIO] | None = None
    # Measured at upload (videos): frames per second, codec name ("h264", "hevc", "vp9").
    frame_rate: float | None = None
    codec: str = ""

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The file as a seekable stream; ``requests`` sends a stream without loading it."""
        handle = self.opener() if self.opener is not None else io.BytesIO(self.read())
        try:
            yield handle
        finally:
            handle.close()

    def chunks(self, size: int = CHUNK_SIZE, start: int = 0) -> Iterator[tuple[int, bytes]]:
        """(offset, bytes) pieces of at most ``size`` bytes from ``start`` to the end."""
        with self.open() as handle:
            handle.seek(start)
            offset = start
            while piece := handle.read(size):
                yield offset, piece
                offset += len(piece)

    def read_range(self, start: int, length: int) -> bytes:
        """``length`` bytes from ``start`` (fewer at the end of the file)."""
        with self.open() as handle:
            handle.seek(start)
            return handle.read(length)


@dataclass
class RemoteRef:
    """A post on the network: its id, URL and whatever replies must point at (Bluesky cid)."""

    id: str
    url: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        # The URL is shown as a link to the whole team and given out by the API: a server
        # someone connected could answer anything, so only a web address is kept.
        if not (self.url or "").lower().startswith(("https://", "http://")):
            self.url = ""


@dataclass
class PublishRequest:
    # Our id of this ITEM (a thread's root and each reply have their own).
    post_id: str
    text: str
    media: list[MediaItem] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    reply_to: RemoteRef | None = None  # the previous item of a thread
    root: RemoteRef | None = None  # the first item (comments attach here)
    # Step results persisted by the engine between attempts (media ids, record keys,
    # container ids). A provider writes here before the commit so a retry can reuse them.
    progress: dict = field(default_factory=dict)
    # Set on a thread's last item (a one-item post is its own last item): a network that
    # ends a thread with an extra reply (Threads' closing reply) sends it with this item.
    ends_thread: bool = False
    # The item's permanent key (a UUID, PostItem.key), fixed when the item was written:
    # every idempotency key the network sees is derived from it and nothing else.
    key: str = ""
    # Called (by ``before_commit``) right before a request that can create the post: it
    # saves ``progress`` so whatever the network may keep (a signed event, a container)
    # is known to the next attempt even if this process dies mid-send. The engine sets it.
    checkpoint: Callable[[dict], None] | None = field(default=None, repr=False, compare=False)
    # Called instead of ``checkpoint`` by ``before_commit``: saves ``progress`` and records
    # that the commit has started (from then on the post may exist, and a later attempt
    # looks before it sends). The engine sets it; steps before the commit never call it,
    # so a crash during an upload resumes the upload instead of asking the person.
    on_commit: Callable[[dict], None] | None = field(default=None, repr=False, compare=False)

    @property
    def idempotency_key(self) -> str:
        return self.key or self.post_id

    def save_progress(self) -> None:
        """Providers call this after a step before the commit (an upload session opened, a
        chunk sent): ``progress`` is saved so a worker that dies now leaves the next
        attempt where to resume. Nothing that can create the post has been sent."""
        if self.checkpoint is not None:
            self.checkpoint(self.progress)

    def before_commit(self) -> None:
        """Providers (and Provider.request, for every COMMIT-phase request) call this
        right before sending what may create the post: ``progress`` is saved and the
        commit is recorded as started."""
        if self.on_commit is not None:
            self.on_commit(self.progress)
        else:
            self.save_progress()


@dataclass
class PublishResult:
    ref: RemoteRef
    # published | pending | ready. "ready" comes only from check_status, for a pending
    # result handed back before the commit (the network still preparing what publish
    # needs, such as a media container): the engine then calls send again at once, so
    # the commit goes through ``before_commit`` like any other.
    state: str = "published"
    handle: str = ""  # for pending results: what check_status polls
    raw: dict = field(default_factory=dict)
    # For pending results: when the network suggests looking again (seconds; its own
    # estimate, X's check_after_secs, YouTube's time left), else the provider's interval.
    check_after: float | None = None
    # False for a pending result handed back before the commit (nothing was published:
    # the network is still preparing what publish needs). A post that stays so past the
    # window fails with "nothing was published" instead of asking people to check.
    committed: bool = True


# The counts analytics keep, as every network's own names map onto them: ``views`` (plays,
# video views), ``impressions`` (times shown), ``reach`` (distinct people shown),
# ``likes`` (favourites, reactions, Reddit and Lemmy score), ``comments`` (replies),
# ``shares`` (reposts, boosts, retweets), ``quotes``, ``saves`` (bookmarks, pin saves),
# ``clicks`` (link or call-to-action clicks), ``followers`` (of a channel).
METRIC_NAMES = (
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
    "quotes",
    "saves",
    "clicks",
    "followers",
)

# The names people read for each metric (pages, charts, exports' headings stay the ids).
METRIC_LABELS = {
    "impressions": gettext_lazy("Impressions"),
    "reach": gettext_lazy("Reach"),
    "views": gettext_lazy("Views"),
    "likes": gettext_lazy("Likes"),
    "comments": gettext_lazy("Comments"),
    "shares": gettext_lazy("Shares"),
    "quotes": gettext_lazy("Quotes"),
    "saves": gettext_lazy("Saves"),
    "clicks": gettext_lazy("Clicks"),
    "followers": gettext_lazy("Followers"),
}


@dataclass
class Metrics:
    """What a network says of a post or a channel: a count for each metric it supplies,
    none for those it does not (never 0 for "not supplied")."""

    values: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        unknown = set(self.values) - set(METRIC_NAMES)
        if unknown:
            raise ValueError(f"Unknown metrics: {', '.join(sorted(unknown))}")
        self.values = {name: int(count) for name, count in self.values.items() if count is not None}


@dataclass
class DraftItem:
    text: str
    media: list[MediaItem] = field(default_factory=list)


@dataclass
class Draft:
    """What the validator checks: the thread's items and the post's settings."""

    items: list[DraftItem]
    settings: dict = field(default_factory=dict)


@dataclass
class Issue:
    code: str
    message: str
    field: str = "text"
    severity: str = "error"
    item: int = 0
    limit: int | float | None = None
    actual: int | float | None = None


@dataclass(frozen=True)
class MediaRules:
    """What a network accepts, as data; the base validator enforces it."""

    max_count: int = 0  # 0: no media at all
    min_count: int = 0
    mime_types: tuple[str, ...] = ()
    max_image_bytes: int | None = None
    max_video_bytes: int | None = None
    max_bytes_by_type: dict = field(default_factory=dict)  # exact MIME → bytes
    video_alone: bool = False  # a video cannot share a post with other media
    allow_mixed: bool = True  # images and videos together
    requires_public_url: bool = False  # the network fetches each file from a public URL
    # Measured facts a network limits (MediaItem width/height/duration/frame_rate/codec).
    # A fact that could not be measured at upload is not checked: the network decides.
    min_video_seconds: float | None = None
    max_video_seconds: float | None = None
    # Width divided by height, (narrowest, widest): (1 / 3, 3.0) is 1:3 to 3:1.
    video_ratio: tuple[float, float] | None = None
    image_ratio: tuple[float, float] | None = None
    # (width, height) in pixels, each side checked on its own.
    min_video_dimensions: tuple[int, int] | None = None
    max_video_dimensions: tuple[int, int] | None = None
    # Frames per second, (lowest, highest); either end may be None.
    video_frame_rate: tuple[float | None, float | None] | None = None
    # FFmpeg's codec names ("h264", "hevc"); empty: any codec.
    video_codecs: tuple[str, ...] = ()

"""YouTube faked at its HTTP boundary: the Google token endpoint, the Data API and the
resumable upload protocol, with the answers recorded in fixtures/.

``UploadFake`` plays the upload host as YouTube does: a POST opens a session (its
address in ``Location``), each PUT adds bytes at the offset the session holds and is
answered 308 with ``Range: bytes=0-N`` until the last byte, whose answer is the video; a
PUT with ``Content-Range: bytes */total`` asks what the session holds. It keeps what a
person would see (the videos that exist) and every chunk's range.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug import Request, Response

from integrations.providers.base import MediaItem
from integrations.providers.youtube import YouTubeProvider
from tests.providers.conftest import fixture_response, point

HERE = Path(__file__).parent
TOKEN = "ya29.a0AfB_byC-secret-access"
REFRESH = "1//0g-secret-refresh"
CHANNEL_ID = "UCx7lD0hp3tEuiZ1fj5lBqqw"
VIDEO_ID = "dQw4w9WgXcQ"
SESSIONS = "/upload/youtube/v3/videos"
KIB = 1024


def recorded(name: str) -> dict:
    return json.loads((HERE / "fixtures" / f"{name}.json").read_text())


@dataclass
class Session:
    upload_id: str
    size: int
    metadata: dict
    received: int = 0
    video: dict | None = None


@dataclass
class UploadFake:
    origin: str
    sessions: dict[str, Session] = field(default_factory=dict)
    # Every data PUT: (upload_id, first byte, last byte).
    chunks: list[tuple[str, int, int]] = field(default_factory=list)
    status_queries: list[str] = field(default_factory=list)
    opened: list[dict] = field(default_factory=list)
    videos: list[dict] = field(default_factory=list)
    # Called with (request, chunk number) before a data PUT is stored; may answer
    # instead (a fault) by returning a Response, or store and then fail ("after").
    fault: Callable[[Request, int], Response | None] | None = None
    fault_after: Callable[[Request, int], Response | None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 0

    def open(self, request: Request) -> Response:
        assert request.args.get("uploadType") == "resumable"
        assert request.args.get("part") == "snippet,status"
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        with self.lock:
            self.next_id += 1
            upload_id = f"AEnB2Uo{self.next_id}secretid"
            self.sessions[upload_id] = Session(
                upload_id, int(request.headers["X-Upload-Content-Length"]), request.get_json()
            )
            self.opened.append(
                {
                    "metadata": request.get_json(),
                    "length": request.headers["X-Upload-Content-Length"],
                    "type": request.headers["X-Upload-Content-Type"],
                }
            )
        location = f"{self.origin}{SESSIONS}?uploadType=resumable&upload_id={upload_id}"
        return Response("", status=200, headers={"Location": location})

    def put(self, request: Request) -> Response:
        session = self.sessions.get(request.args.get("upload_id", ""))
        if session is None:
            return fixture_response(HERE, "session_expired")
        content_range = request.headers.get("Content-Range", "")
        query = re.fullmatch(r"bytes \*/(\d+)", content_range)
        if query:
            self.status_queries.append(session.upload_id)
            return self._state(session)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        assert match, content_range
        start, end, total = map(int, match.groups())
        data = request.get_data()
        assert len(data) == end - start + 1 and total == session.size
        # Chunks but the last are whole multiples of 256 KiB.
        assert end + 1 == total or len(data) % (256 * KIB) == 0
        number = len(self.chunks)
        if self.fault is not None:
            answer = self.fault(request, number)
            if answer is not None:
                self.chunks.append((session.upload_id, start, end))
                return answer
        self.chunks.append((session.upload_id, start, end))
        if start <= session.received and session.video is None:
            session.received = max(session.received, end + 1)
            if session.received == session.size:
                video = json.loads(json.dumps(recorded("video")["body"]))
                snippet = session.metadata["snippet"]
                video["snippet"].update(
                    title=snippet["title"],
                    description=snippet["description"],
                    categoryId=snippet["categoryId"],
                )
                if "tags" in snippet:
                    video["snippet"]["tags"] = snippet["tags"]
                video["status"]["privacyStatus"] = session.metadata["status"]["privacyStatus"]
                session.video = video
                self.videos.append(video)
        if self.fault_after is not None:
            answer = self.fault_after(request, number)
            if answer is not None:
                return answer
        return self._state(session, created=True)

    def _state(self, session: Session, created: bool = False) -> Response:
        if session.video is not None:
            return Response(
                json.dumps(session.video),
                status=201 if created else 200,
                headers={"Content-Type": "application/json"},
            )
        headers = {"Range": f"bytes=0-{session.received - 1}"} if session.received else {}
        return Response("", status=308, headers=headers)

    def received(self) -> int:
        return sum(s.received for s in self.sessions.values())


@pytest.fixture
def provider(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "YOUTUBE_CLIENT_ID": "123-acme.apps.googleusercontent.com",
        "YOUTUBE_CLIENT_SECRET": "GOCSPX-secret",
    }
    point(
        settings,
        httpserver,
        "youtube",
        auth="/o/oauth2/v2/auth",
        token="/token",
        api="/",
        upload="/",
    )
    instance = YouTubeProvider()
    instance.chunk_size = 256 * KIB
    yield instance
    httpserver.check_assertions()


@pytest.fixture
def uploads(httpserver) -> UploadFake:
    fake = UploadFake(origin=httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request(SESSIONS, method="POST").respond_with_handler(fake.open)
    httpserver.expect_request(SESSIONS, method="PUT").respond_with_handler(fake.put)
    # Right after the upload the video is still being processed (unless a test says else).
    httpserver.expect_request("/youtube/v3/videos", method="GET").respond_with_response(
        fixture_response(HERE, "videos_processing")
    )
    return fake


def video_file(tmp_path, size: int = 600 * KIB, name: str = "launch.mp4") -> MediaItem:
    """A video on disk with distinct bytes, read only through its stream."""
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * (size // 256) + b"\x07" * (size % 256))

    def never_whole() -> bytes:
        raise AssertionError("a video must never be read whole")

    return MediaItem(
        "video/mp4",
        size,
        never_whole,
        filename=name,
        width=1920,
        height=1080,
        duration=42.0,
        opener=lambda: open(path, "rb"),
    )

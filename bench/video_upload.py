"""A 1 GB video published through the YouTube provider, in bounded memory.

    .venv/bin/python bench/video_upload.py [--size-mb 1024] [--chunk-mb 8]

A sparse file of ``--size-mb`` is made on disk under var/bench-video (never in memory).
A local fake of YouTube's resumable upload protocol (one threaded HTTP server on
127.0.0.1) opens sessions, answers each chunk 308 with the ``Range`` it holds and the
last one with the video; it reads the bytes in small pieces, counts them and throws them
away, and records every chunk's range. The provider publishes from a worker process of its
own (``--worker``), so only the publisher's memory is measured: the growth of its peak
resident set (VmHWM, reset just before the publish) over what it held before. Prints one
line:

    BENCH video_upload size_mb=… peak_rss_growth_mb=… throughput_mb_s=… resent_mb=…

resent_mb: bytes the fake received more than once. The goal is a peak growth of at most
64 MB whatever the size. tests/providers/youtube/test_crash_resume.py uses the same fake
and worker to kill a publish mid-upload.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

# Run as a script: the project, not bench/, first on the path (bench/calendar.py would
# shadow the stdlib's, which http.server reads through email.utils).
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
SESSIONS = "/upload/youtube/v3/videos"
TOKEN = "ya29.bench-token"  # noqa: S105 - the fake network's token
VIDEO_ID = "bEnChViDe0"


class Ledger:
    """What the fake saw, shared by its handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sessions: dict[str, dict] = {}  # upload id → {size, received, video}
        self.chunks: list[tuple[str, int, int]] = []  # (upload id, first, last byte)
        self.status_queries = 0
        self.videos: list[str] = []
        self.bytes_in = 0
        # Set by a test: called with the number of the chunk just stored, before the
        # answer (the test kills the worker there).
        self.after_chunk = None

    def resent(self) -> int:
        return self.bytes_in - sum(s["received"] for s in self.sessions.values())


def _handler(ledger: Ledger):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, body: bytes = b"", headers: dict | None = None):
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _drain(self) -> int:
            """Read the body in small pieces and keep none of it; its length."""
            left = int(self.headers.get("Content-Length") or 0)
            total = left
            while left:
                piece = self.rfile.read(min(left, MB))
                if not piece:
                    break
                left -= len(piece)
            return total - left

        def do_POST(self):
            if not self.path.startswith(SESSIONS):
                return self._answer(404)
            self._drain()
            size = int(self.headers["X-Upload-Content-Length"])
            with ledger.lock:
                upload_id = f"bench{len(ledger.sessions) + 1}"
                ledger.sessions[upload_id] = {"size": size, "received": 0, "video": None}
            host = self.headers["Host"]
            location = f"http://{host}{SESSIONS}?uploadType=resumable&upload_id={upload_id}"
            self._answer(200, headers={"Location": location})

        def do_PUT(self):
            match = re.search(r"upload_id=(\w+)", self.path)
            session = ledger.sessions.get(match.group(1)) if match else None
            if session is None:
                self._drain()
                return self._answer(404, b"Not Found")
            upload_id = match.group(1)
            content_range = self.headers.get("Content-Range", "")
            if content_range.startswith("bytes */"):
                self._drain()
                with ledger.lock:
                    ledger.status_queries += 1
                return self._state(session, created=False)
            first, last, _ = map(int, re.findall(r"\d+", content_range))
            length = self._drain()
            with ledger.lock:
                ledger.bytes_in += length
                ledger.chunks.append((upload_id, first, last))
                number = len(ledger.chunks)
                complete = first + length == last + 1
                if complete and first <= session["received"] and session["video"] is None:
                    session["received"] = max(session["received"], last + 1)
                    if session["received"] == session["size"]:
                        session["video"] = f"{VIDEO_ID}{len(ledger.videos)}"
                        ledger.videos.append(session["video"])
            if ledger.after_chunk is not None:
                ledger.after_chunk(number)
            self._state(session, created=True)

        def _state(self, session: dict, created: bool):
            if session["video"]:
                video = {
                    "kind": "youtube#video",
                    "id": session["video"],
                    "status": {"uploadStatus": "uploaded", "privacyStatus": "private"},
                }
                body = json.dumps(video).encode()
                headers = {"Content-Type": "application/json"}
                return self._answer(201 if created else 200, body, headers)
            received = session["received"]
            headers = {"Range": f"bytes=0-{received - 1}"} if received else {}
            return self._answer(308, headers=headers)

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A worker killed mid-chunk drops its connection: expected.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def start_fake() -> tuple[Ledger, ThreadingHTTPServer, str]:
    ledger = Ledger()
    server = _Server(("127.0.0.1", 0), _handler(ledger))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return ledger, server, f"http://127.0.0.1:{server.server_address[1]}"


def sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (and no memory) to make."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def worker_command(*, file: Path, base: str, progress: Path, chunk_kib: int) -> list[str]:
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--file",
        str(file),
        "--base",
        base,
        "--progress",
        str(progress),
        "--chunk-kib",
        str(chunk_kib),
    ]


def worker_env(base: str, var_dir: str) -> dict:
    return {
        **os.environ,
        "POSTIZ_VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "postiz.settings",
        "LOG_LEVEL": "WARNING",
        "POSTIZ_ALLOW_PRIVATE_URLS": "1",
        "POSTIZ_PROVIDER_ENDPOINTS": json.dumps({"youtube": {"api": base, "upload": base}}),
    }


# -- the worker: one publish, its progress saved where the engine would save it ----------
def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _save(path: Path, progress: dict) -> None:
    """Save the progress durably before returning (the engine commits it likewise)."""
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w") as handle:
        json.dump(progress, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def run_worker(args) -> int:
    import django

    django.setup()
    from integrations.providers import get_provider
    from integrations.providers.base import Channel, MediaItem, PublishRequest

    file = Path(args.file)
    size = file.stat().st_size
    progress_path = Path(args.progress)
    progress = json.loads(progress_path.read_text()) if progress_path.exists() else {}
    provider = get_provider("youtube")
    provider.chunk_size = args.chunk_kib * 1024

    def never_whole() -> bytes:
        raise AssertionError("the video was read whole")

    video = MediaItem(
        "video/mp4",
        size,
        never_whole,
        filename=file.name,
        opener=lambda: open(file, "rb"),  # noqa: SIM115 - MediaItem.open closes it
    )
    request = PublishRequest(
        "bench-video",
        "A long video, sent in chunks.",
        media=[video],
        settings={"title": "Bench video", "type": "private"},
        progress=progress,
    )
    request.checkpoint = lambda saved: _save(progress_path, saved)
    channel = Channel("UCbench", {"access_token": TOKEN})
    base = _rss_kb("VmRSS")
    # Reset the peak (VmHWM) so it measures the publish alone.
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass
    started = time.perf_counter()
    result = provider.send(channel, request)
    seconds = time.perf_counter() - started
    _save(progress_path, request.progress)
    print(
        json.dumps(
            {
                "video": result.ref.id,
                "rss_base_kb": base,
                "rss_peak_kb": _rss_kb("VmHWM"),
                "seconds": seconds,
            }
        )
    )
    return 0


# -- the bench ---------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=8)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--progress", help=argparse.SUPPRESS)
    parser.add_argument("--chunk-kib", type=int, default=8 * 1024, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_worker(args)

    var_dir = ROOT / "var" / "bench-video"
    size = args.size_mb * MB
    file = sparse_file(var_dir / "video.mp4", size)
    progress = var_dir / "progress.json"
    progress.unlink(missing_ok=True)
    ledger, server, base = start_fake()
    try:
        done = subprocess.run(
            worker_command(file=file, base=base, progress=progress, chunk_kib=args.chunk_mb * 1024),
            env=worker_env(base, str(var_dir)),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        server.shutdown()
        file.unlink(missing_ok=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return done.returncode
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if len(ledger.videos) != 1 or sum(s["received"] for s in ledger.sessions.values()) != size:
        print(f"the fake did not get the whole video once: {ledger.videos}", file=sys.stderr)
        return 1
    growth = (figures["rss_peak_kb"] - figures["rss_base_kb"]) / 1024
    print(
        f"BENCH video_upload size_mb={args.size_mb} peak_rss_growth_mb={max(growth, 0):.1f} "
        f"throughput_mb_s={args.size_mb / figures['seconds']:.0f} "
        f"resent_mb={ledger.resent() / MB:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

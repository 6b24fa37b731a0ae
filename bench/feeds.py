"""Reading RSS feeds: how long the worker spends on a big feed, on one that did not
change, and on one with a handful of new entries.

    .venv/bin/python bench/feeds.py [--entries 5000] [--new 10]

A local HTTP server serves a feed of ``--entries`` items shaped like the WordPress feed
in tests/posts/feeds/fixtures/rss2.xml, answering 304 to a matching If-None-Match. The
reads run ``posts.feeds.reading.feed_fetch`` in this process against the embedded
database in var/bench-feeds. Prints one line:

    BENCH feeds entries=… first_read_s=… reread_s=… same_bytes_ms=… not_modified_ms=…
        new_read_s=…

first_read_s: the first read (every entry recorded, the newest 20 as drafts);
reread_s: the same entries in a body that changed elsewhere (parsed, nothing new);
same_bytes_ms: the very same bytes again from a server that ignores conditional requests
(hashed, not parsed); not_modified_ms: a read answered 304; new_read_s: a read whose
body has ``--new`` new entries, each posted into the queue.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

# The project, not bench/, first on the path (bench/calendar.py would shadow the stdlib's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from http.server import BaseHTTPRequestHandler  # noqa: E402 - imports calendar

from bench import _common  # noqa: E402

FIXTURE = _common.ROOT / "tests" / "posts" / "feeds" / "fixtures" / "rss2.xml"


def _feed(entries: int, built: str = "Thu, 03 Dec 2026 09:12:44") -> bytes:
    head, rest = FIXTURE.read_bytes().split(b"<item>", 1)
    head = head.replace(b"Thu, 03 Dec 2026 09:12:44", built.encode())
    item = rest.split(b"</item>", 1)[0]
    items = []
    for n in range(entries - 1, -1, -1):  # newest first, as feeds are
        day = 1 + n % 28
        items.append(
            b"<item>"
            + item.replace(b"?p=1482", b"?p=%d" % n)
            .replace(b"winter-blend-is-back/", b"winter-blend-is-back-%d/" % n)
            .replace(b"Thu, 03 Dec 2026 09:12:44", b"Thu, %02d Oct 2026 09:%02d:44" % (day, n % 60))
            + b"</item>"
        )
    return head + b"".join(items) + b"</channel></rss>"


class _State:
    body = b""
    etag = '"0"'


def _server(state: _State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.headers.get("If-None-Match") == state.etag:
                self.send_response(304)
                self.send_header("ETag", state.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=UTF-8")
            self.send_header("ETag", state.etag)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args):
            pass

    server = _common._Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/feed/"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--new", type=int, default=10)
    args = parser.parse_args()

    state = _State()
    url = _server(state)
    _common.configure("bench-feeds", url)
    _common.reset_database()

    from django.db import connection

    from integrations.models import Integration
    from organizations.models import Organization
    from posts.feeds.models import Feed
    from posts.feeds.reading import feed_fetch

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE posts_feed, posts_feedentry RESTART IDENTITY CASCADE")
    organization, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    channel = Integration.objects.create(
        organization=organization,
        provider="mastodon",
        external_id="feeds",
        name="Bench feeds",
        credentials={"access_token": "bench-token"},
        meta={"instance": "https://social.example", "account_id": "1"},
        posting_times=[f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)],
    )
    feed = Feed.objects.create(organization=organization, name="Bench", url=url)
    feed.integrations.set([channel])

    def read(*, conditional: bool) -> float:
        if not conditional:
            Feed.objects.filter(pk=feed.pk).update(etag="", last_modified="")
        started = time.perf_counter()
        result = feed_fetch(feed_id=feed.pk)
        elapsed = time.perf_counter() - started
        assert "error" not in result, result
        return elapsed

    state.body, state.etag = _feed(args.entries), '"1"'
    first = read(conditional=False)
    unchanged = read(conditional=False)  # the same bytes, from a server without ETags
    state.body = _feed(args.entries, built="Fri, 04 Dec 2026 10:00:00")
    reread = read(conditional=False)  # new bytes (the build date), the same entries
    not_modified = read(conditional=True)
    state.body, state.etag = _feed(args.entries + args.new), '"2"'
    new = read(conditional=True)
    posted = feed.entries.filter(outcome="queued").count()
    assert posted == args.new, posted
    assert feed.entries.count() == args.entries + args.new
    print(
        f"BENCH feeds entries={args.entries} first_read_s={first:.2f} reread_s={reread:.2f} "
        f"same_bytes_ms={unchanged * 1000:.0f} not_modified_ms={not_modified * 1000:.0f} "
        f"new_read_s={new:.2f}"
    )


if __name__ == "__main__":
    main()

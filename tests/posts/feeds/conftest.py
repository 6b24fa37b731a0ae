"""Feeds are served by pytest-httpserver from the real-shaped files in fixtures/."""

from pathlib import Path

import pytest

from posts.feeds.models import Feed
from tests.factories import ChannelFactory

FIXTURES = Path(__file__).parent / "fixtures"
RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=utf-8"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def serve(httpserver, path: str, name: str | bytes, content_type: str = RSS, headers=None):
    """Serve a fixture (or bytes) at ``path`` for every request; returns its URL."""
    body = fixture(name) if isinstance(name, str) else name
    httpserver.expect_request(path).respond_with_data(
        body, content_type=content_type, headers=headers or {}
    )
    return httpserver.url_for(path)


@pytest.fixture
def channel(org):
    return ChannelFactory(organization=org, name="Acme on Mastodon")


@pytest.fixture
def make_feed(org, channel, owner):
    """A feed of ``org`` posting to ``channel``, already past its first read unless
    ``primed=False``."""
    from django.utils import timezone

    def make(url, *, primed=True, channels=None, **fields):
        feed = Feed.objects.create(
            organization=org,
            name=fields.pop("name", "Blog"),
            url=url,
            primed_at=timezone.now() if primed else None,
            created_by=owner,
            **fields,
        )
        feed.integrations.set(channels or [channel])
        return feed

    return make

"""The real Postiz CLI (npm ``postiz``, pinned in tests/peers/postiz_cli) against a live
server: a Postiz user who points it at this server with an API key gets their channels,
posts and analytics printed, and can schedule, upload and delete, without changing it.

Opt-in like the other peer tests: marked peer_postiz_cli, skipped when ``make peers`` has
not installed the CLI, failing instead under POSTIZ_REQUIRE_PEERS (CI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import ChannelMetric, Integration
from media.models import MediaFile
from posts.analytics.models import PostMetric, PostMetricLatest
from posts.models import Post
from posts.states import State
from tests.api.helpers import make_key
from tests.factories import PostFactory
from tests.media.files import jpeg
from tests.peers.servers import ROOT, missing
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

pytestmark = [pytest.mark.peer_postiz_cli, pytest.mark.django_db(transaction=True)]

CLI = ROOT / ".peers" / "postiz-cli" / "node_modules" / "postiz" / "dist" / "index.js"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def postiz(live_server, org, owner, tmp_path, settings):
    """Runs ``postiz <args>`` with org's key and this server's URL, as its README says."""
    node = shutil.which("node")
    if not node or not CLI.exists():
        missing("the Postiz CLI is not installed (run `make peers`)")
    settings.SITE_URL = live_server.url
    _, key = make_key(org, actor=owner)
    home = tmp_path / "home"
    home.mkdir()
    # HOME: the CLI prefers credentials saved by `auth:login` in ~/.postiz over the key.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "POSTIZ_API_KEY": key,
        "POSTIZ_API_URL": live_server.url,
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [node, str(CLI), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"postiz {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    return run


def printed_json(out: str):
    """The JSON the CLI prints under its one-line heading."""
    heading, _, body = out.partition("\n")
    return heading, json.loads(body)


@pytest.fixture
def mastodon(org):
    return Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id="109",
        name="Acme on Mastodon",
        username="@acme@social.example",
        credentials={"access_token": "t"},
        meta={"instance": "https://social.example", "account_id": "109"},
    )


def test_analytics_commands_print_the_stored_numbers(postiz, mastodon):
    today = timezone.now().date()
    for ago, followers in {2: 180, 1: 190, 0: 200}.items():
        ChannelMetric.objects.create(
            organization=mastodon.organization,
            integration=mastodon,
            metric="followers",
            day=today - timedelta(days=ago),
            value=followers,
        )
    when = timezone.now() - timedelta(days=4)
    post = PostFactory(
        integration=mastodon,
        state=State.PUBLISHED,
        publish_at=when,
        published_at=when,
        remote_id="113500000000000001",
        items=["Launch day"],
    )
    for ago, likes in {3: 10, 1: 15, 0: 30}.items():
        PostMetric.objects.create(
            organization=mastodon.organization,
            post=post,
            integration=mastodon,
            metric="likes",
            day=today - timedelta(days=ago),
            value=likes,
        )
    PostMetricLatest.objects.create(
        organization=mastodon.organization,
        post=post,
        integration=mastodon,
        metric="likes",
        value=30,
        published_at=when,
    )

    heading, channel = printed_json(
        postiz("analytics:platform", str(mastodon.public_id), "-d", "7")
    )
    assert heading == f"📊 Analytics for integration: {mastodon.public_id}"
    followers = next(series for series in channel if series["label"] == "Followers")
    assert followers["data"][-3:] == [
        {"total": "180", "date": (today - timedelta(days=2)).isoformat()},
        {"total": "190", "date": (today - timedelta(days=1)).isoformat()},
        {"total": "200", "date": today.isoformat()},
    ]

    heading, likes = printed_json(postiz("analytics:post", str(post.public_id), "--date", "7"))
    assert heading == f"📊 Analytics for post: {post.public_id}"
    assert likes == [
        {
            "label": "Likes",
            "data": [
                {"total": "10", "date": (today - timedelta(days=3)).isoformat()},
                {"total": "15", "date": (today - timedelta(days=1)).isoformat()},
                {"total": "30", "date": today.isoformat()},
            ],
            "percentageChange": 200.0,
        }
    ]


def test_listing_commands_print_our_channels_and_posts(postiz, mastodon):
    status = postiz("auth:status")
    assert "✅ Credentials are valid. 1 integration(s) connected." in status

    heading, channels = printed_json(postiz("integrations:list"))
    assert heading == "🔌 Connected Integrations:"
    assert [(c["id"], c["name"], c["identifier"], c["disabled"]) for c in channels] == [
        (str(mastodon.public_id), "Acme on Mastodon", "mastodon", False)
    ]

    soon = timezone.now() + timedelta(days=2)
    post = PostFactory(integration=mastodon, publish_at=soon, items=["Coming soon"])
    heading, listed = printed_json(postiz("posts:list"))
    assert heading == "📋 Posts:"
    assert [(p["id"], p["content"], p["state"]) for p in listed["posts"]] == [
        (str(post.public_id), "Coming soon", "QUEUE")
    ]
    assert listed["posts"][0]["integration"]["id"] == str(mastodon.public_id)


def test_scheduling_uploading_and_deleting_through_the_cli(postiz, mastodon, tmp_path):
    (tmp_path / "photo.jpg").write_bytes(jpeg())
    heading, uploaded = printed_json(postiz("upload", "photo.jpg"))
    assert heading == "✅ File uploaded successfully!"
    assert MediaFile.objects.get(public_id=uploaded["id"]).name == "photo.jpg"

    out = postiz(
        "posts:create",
        "-c",
        "From the CLI",
        "-m",
        uploaded["path"],
        "-c",
        "and its reply",
        "-s",
        "2030-01-15T12:00:00Z",
        "-i",
        str(mastodon.public_id),
    )
    heading, created = printed_json(out)
    assert heading == "✅ Post created successfully!"
    post = Post.objects.get(public_id=created[0]["postId"])
    assert post.state == State.SCHEDULED
    assert [item.content for item in post.items.order_by("position")] == [
        "From the CLI",
        "and its reply",
    ]

    out = postiz("posts:delete", str(post.public_id))
    assert out.strip() == f"✅ Post {post.public_id} deleted successfully!"
    post.refresh_from_db()
    assert post.state == State.CANCELLED


@pytest.fixture
def x_channel(org, settings, httpserver):
    """An X channel whose network is a local fake answering with X's recorded shapes."""
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "X_CLIENT_ID": "x-client-id"}
    point(settings, httpserver, "x", auth="/a", api="/b", upload="/u")
    fake = FakeNetwork(httpserver)
    fake.on("GET", r"/b/2/users/42/tweets", answer("x", "user_tweets"))
    fake.on("GET", r"/b/2/users/42/owned_lists", answer("x", "owned_lists"))
    return Integration.objects.create(
        organization=org,
        provider="x",
        external_id="42",
        name="Acme on X",
        username="acme",
        credentials={"access_token": "t"},
    )


def test_settings_tools_and_finding_a_post_published_without_an_id(postiz, x_channel):
    heading, settings = printed_json(postiz("integrations:settings", str(x_channel.public_id)))
    assert heading == f"⚙️  Settings for integration: {x_channel.public_id}"
    assert settings["output"]["maxLength"] == 280
    assert [tool["methodName"] for tool in settings["output"]["tools"]] == [
        "lists",
        "communities",
    ]
    heading, lists = printed_json(postiz("integrations:trigger", str(x_channel.public_id), "lists"))
    assert heading == "🔧 Tool result for lists:"
    assert "Launch partners" in [entry["name"] for entry in lists["output"]]

    post = PostFactory(
        integration=x_channel,
        state=State.UNCONFIRMED,
        error_kind="unknown_outcome",
        error_message="We sent this but could not confirm it was published.",
        items=["Did it go out?"],
    )
    candidates = json.loads(postiz("posts:missing", str(post.public_id)))
    assert candidates and all(set(c) == {"id", "url"} for c in candidates)
    picked = candidates[0]["id"]

    out = postiz("posts:connect", str(post.public_id), "--release-id", picked)
    heading, _, rest = out.partition("\n")
    assert heading == f"✅ Post {post.public_id} connected to release {picked}"
    assert json.loads(rest)["state"] == "PUBLISHED"
    post.refresh_from_db()
    assert post.state == State.PUBLISHED and post.remote_id == picked

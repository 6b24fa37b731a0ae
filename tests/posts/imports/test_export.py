"""Exporting posts as CSV: the calendar's filters, streamed, in the columns the import
reads, so exporting and importing into another organization gives the same posts."""

import csv
import io
from datetime import UTC, datetime

from django.http import StreamingHttpResponse
from django.urls import reverse

from integrations.models import Customer, Integration
from posts.imports.models import ImportRow
from posts.models import Post, PostGroup
from posts.services.groups import ChannelInput, ItemInput, post_group_create
from posts.states import State
from tests.factories import MembershipFactory, OrganizationFactory


def _write(org, owner, channels, text, when, *, tags=(), comment="", zone="Europe/Berlin"):
    items = [ItemInput(text)] + ([ItemInput(comment)] if comment else [])
    return post_group_create(
        organization=org,
        actor=owner,
        content=items,
        channels=[ChannelInput(c.pk) for c in channels],
        action="schedule",
        publish_at=when,
        timezone=zone,
        tags=tags,
    )


def _download(client, org, **params):
    response = client.get(reverse("posts:export", args=[org.slug]), {"download": 1, **params})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return text, list(csv.DictReader(io.StringIO(text[1:])))


def test_export_then_import_into_another_organization_gives_the_same_posts(
    client, owner, org, channels, upload, schedule
):
    from posts.services.library import tag_create

    mastodon, x = channels
    launch = tag_create(organization=org, actor=owner, name="launch")
    _write(
        org,
        owner,
        [mastodon, x],
        "=1+1 is two,\nsaid the post",
        datetime(2030, 5, 1, 7, 0, tzinfo=UTC),
        tags=[launch.pk],
        comment="And a first comment",
    )
    _write(
        org,
        owner,
        [mastodon],
        "@someone hello",
        datetime(2030, 5, 2, 16, 45, tzinfo=UTC),
        zone="America/New_York",
    )
    client.force_login(owner)
    text, rows = _download(client, org)
    assert [r["channels"] for r in rows] == ["Acme on Mastodon", "Acme on X", "Acme on Mastodon"]
    assert rows[0]["text"] == "'=1+1 is two,\nsaid the post"  # never run by a spreadsheet
    assert rows[0]["date"] == "2030-05-01" and rows[0]["time"] == "09:00"
    assert rows[2]["timezone"] == "America/New_York" and rows[2]["time"] == "12:45"

    other = OrganizationFactory(slug="other")
    their_owner = MembershipFactory(organization=other, role="owner").user
    for name, provider in (("Acme on Mastodon", "mastodon"), ("Acme on X", "x")):
        Integration.objects.create(
            organization=other,
            provider=provider,
            external_id=name,
            name=name,
            credentials={"access_token": "t"},
            meta={"instance": "https://social.example"} if provider == "mastodon" else {},
        )
    client.force_login(their_owner)
    job = schedule(client, upload(client, other, text.encode("utf-8"), name="export.csv"))
    assert set(ImportRow.objects.filter(job=job).values_list("status", flat=True)) == {"scheduled"}

    def posts(organization):
        return sorted(
            (
                p.integration.name,
                p.publish_at,
                p.state,
                p.group.timezone,
                tuple(i.content for i in p.items.order_by("position")),
                tuple(p.group.tags.values_list("name", flat=True)),
            )
            for p in Post.objects.filter(organization=organization)
        )

    assert posts(other) == posts(org)


def test_export_keeps_the_calendars_filters_and_states(client, owner, org, channels):
    mastodon, x = channels
    customer = Customer.objects.create(organization=org, name="Big client")
    x.customer = customer
    x.save(update_fields=["customer"])
    _write(org, owner, [mastodon], "May", datetime(2030, 5, 1, 7, 0, tzinfo=UTC))
    _write(org, owner, [x], "June", datetime(2030, 6, 1, 7, 0, tzinfo=UTC))
    # 30 June 23:30 in Berlin is still June there, though July in UTC's eyes it is not.
    _write(org, owner, [x], "Late June", datetime(2030, 6, 30, 21, 30, tzinfo=UTC))
    draft = _write(org, owner, [mastodon], "Draft", datetime(2030, 6, 2, 7, 0, tzinfo=UTC))
    Post.objects.filter(group=draft).update(state=State.DRAFT)
    owner.timezone = "Europe/Berlin"
    owner.save(update_fields=["timezone"])
    client.force_login(owner)

    def texts(**params):
        return [r["text"] for r in _download(client, org, **params)[1]]

    assert texts(**{"from": "2030-06-01", "to": "2030-06-30"}) == ["June", "Draft", "Late June"]
    assert texts(customer=str(customer.public_id)) == ["June", "Late June"]
    assert texts(channel=str(mastodon.public_id)) == ["May", "Draft"]
    assert texts(state="draft") == ["Draft"]


def test_export_reads_posts_in_chunks_whatever_their_number(
    client, owner, org, channels, django_assert_max_num_queries
):
    mastodon, _ = channels
    for n in range(30):
        _write(org, owner, [mastodon], f"Post {n}", datetime(2030, 5, 1, n % 24, 0, tzinfo=UTC))
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        _text, rows = _download(client, org)
    assert len(rows) == 30


def test_deleted_groups_and_other_organizations_posts_are_not_exported(
    client, owner, org, channels
):
    from posts.services.groups import post_group_delete

    mastodon, _ = channels
    gone = _write(org, owner, [mastodon], "Deleted", datetime(2030, 5, 1, 7, 0, tzinfo=UTC))
    post_group_delete(group=gone, actor=owner)
    other = OrganizationFactory()
    theirs = Integration.objects.create(
        organization=other,
        provider="mastodon",
        external_id="t",
        name="Theirs",
        credentials={"access_token": "t"},
        meta={"instance": "https://social.example"},
    )
    _write(other, None, [theirs], "Not ours", datetime(2030, 5, 1, 7, 0, tzinfo=UTC))
    client.force_login(owner)
    assert _download(client, org)[1] == []
    assert PostGroup.objects.count() == 2


def test_calendar_links_its_window_and_filters_to_the_export(client, owner, viewer, org, channels):
    client.force_login(owner)
    page = client.get(
        reverse("posts:calendar", args=[org.slug]),
        {"view": "month", "date": "2030-05-10", "channel": str(channels[0].public_id)},
    ).content.decode()
    assert (
        f"/o/{org.slug}/posts/export/?download=1&amp;from=2030-04-29&amp;to=2030-06-02"
        f"&amp;channel={channels[0].public_id}"
    ) in page
    assert f"/o/{org.slug}/posts/import/" in page
    client.force_login(viewer)
    assert (
        f"/o/{org.slug}/posts/import/"
        not in client.get(reverse("posts:calendar", args=[org.slug])).content.decode()
    )


def test_analytics_exports_every_posts_counts_and_each_channels_days(
    client, owner, outsider, org, channels
):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.models import ChannelMetric
    from posts.analytics.models import PostMetricLatest

    mastodon, _ = channels
    group = _write(org, owner, [mastodon], "Went out", datetime(2030, 5, 1, 7, 0, tzinfo=UTC))
    post = group.posts.get()
    published = timezone.now() - timedelta(days=2)
    Post.objects.filter(pk=post.pk).update(
        state=State.PUBLISHED, published_at=published, remote_url="https://social.example/1"
    )
    for metric, value in (("likes", 7), ("impressions", 120)):
        PostMetricLatest.objects.create(
            organization=org,
            post=post,
            integration=mastodon,
            metric=metric,
            value=value,
            published_at=published,
        )
    ChannelMetric.objects.create(
        organization=org,
        integration=mastodon,
        metric="followers",
        day=published.date(),
        value=1500,
    )
    client.force_login(owner)
    url = reverse("posts:analytics", args=[org.slug])
    answer = client.get(url, {"format": "csv", "rows": "posts", "days": 30})
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert [(r["channel"], r["likes"], r["impressions"], r["text"]) for r in rows] == [
        ("Acme on Mastodon", "7", "120", "Went out")
    ]
    answer = client.get(url, {"format": "csv", "rows": "channels", "days": 30})
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows == [
        {
            "channel": "Acme on Mastodon",
            "date": published.date().isoformat(),
            "metric": "followers",
            "value": "1500",
        }
    ]
    assert "rows=posts" in client.get(url).content.decode()
    client.force_login(outsider)
    assert client.get(url, {"format": "csv", "rows": "posts"}).status_code == 404

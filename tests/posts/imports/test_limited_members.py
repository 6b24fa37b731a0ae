"""A member limited to customers imports and exports only within their customers: the
import page offers only their channels, a row naming another customer's channel is an
unknown channel, they see only their own uploads, and every export holds only the posts
they see."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.permissions import Role
from posts.imports.models import ImportJob, ImportRow
from posts.states import State
from tests import customer_world
from tests.customer_world import SECRET_B, SECRET_NONE


@pytest.fixture
def world(org):
    return customer_world.build(org, role=Role.EDITOR)


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8").lstrip("\ufeff"))))


def test_import_page_offers_only_the_limited_members_channels(world, client_for):
    client = client_for(world.limited.user)
    body = client.get(reverse("posts:import", args=[world.org.slug])).content.decode()
    assert "Alpha channel" in body
    assert SECRET_B not in body  # neither B's channel nor B's member's upload
    assert SECRET_NONE not in body

    owner_body = (
        client_for(world.owner.user)
        .get(reverse("posts:import", args=[world.org.slug]))
        .content.decode()
    )
    assert f"{SECRET_B} channel" in owner_body
    assert f"{SECRET_B}.csv" in owner_body  # everyone else sees every upload


def test_default_channel_of_another_customer_is_refused(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.limited.user)
    response = client.post(
        reverse("posts:import", args=[world.org.slug]),
        {
            "file": SimpleUploadedFile("h.csv", b"text,date\nhi,2030-01-01 10:00\n"),
            "timezone": "UTC",
            "date_order": "auto",
            "channels": [str(world.channel_b.pk)],
        },
    )
    assert response.status_code == 200  # the form again: not a choice offered
    assert "is not one of the available choices" in response.content.decode()
    assert world.limited.user.pk not in set(
        ImportJob.objects.values_list("created_by_id", flat=True)
    )


def test_row_naming_another_customers_channel_is_an_unknown_channel(
    world, client_for, upload, schedule
):
    client = client_for(world.limited.user)
    data = (
        "text,channels,date,time,timezone\n"
        "mine,Alpha channel,2030-03-14,09:30,UTC\n"
        f"theirs,{SECRET_B} channel,2030-03-14,09:30,UTC\n"
        f"nobody's,{world.channel_none.pk},2030-03-14,09:30,UTC\n"
    ).encode()
    job = upload(client, world.org, data)
    rows = {r.number: r for r in ImportRow.objects.filter(job=job)}
    assert rows[2].status == ImportRow.Status.READY, rows[2].problems
    for number in (3, 4):
        assert rows[number].status == ImportRow.Status.ERROR
        assert {p["code"] for p in rows[number].problems} == {"channel_unknown"}
    job = schedule(client, job)
    assert job.state == job.State.DONE
    assert not world.channel_b.posts.filter(group__creation_method="import").exists()
    assert world.channel_a.posts.filter(group__import_key=rows[2].key).count() == 1


def test_limited_member_opens_only_their_own_uploads(world, client_for, upload):
    client = client_for(world.limited.user)
    own = upload(client, world.org, b"text,channels,date\nhi,Alpha channel,2030-01-01 10:00\n")
    slug = world.org.slug
    assert client.get(reverse("posts:import_job", args=[slug, own.public_id])).status_code == 200
    other = world.import_b.public_id
    assert client.get(reverse("posts:import_job", args=[slug, other])).status_code == 404
    assert client.get(reverse("posts:import_status", args=[slug, other])).status_code == 404
    assert client.post(reverse("posts:import_schedule", args=[slug, other])).status_code == 404
    # The owner, not limited, opens anyone's.
    owner = client_for(world.owner.user)
    assert owner.get(reverse("posts:import_job", args=[slug, other])).status_code == 200


def test_limited_members_export_has_only_their_customers_posts(world, client_for):
    url = reverse("posts:export", args=[world.org.slug])
    rows = _csv(client_for(world.limited.user).get(url, {"download": 1}))
    # The mixed group (also on B's channel) is left out, as on the calendar.
    assert [r["post_id"] for r in rows] == [str(world.post_a.public_id)]
    assert {r["channels"] for r in rows} == {"Alpha channel"}

    everyone = _csv(client_for(world.owner.user).get(url, {"download": 1}))
    assert str(world.post_b.public_id) in {r["post_id"] for r in everyone}


def test_limited_key_exports_only_their_customers_posts(world):
    from django.test import Client

    from organizations.services import api_key_create

    _, raw = api_key_create(
        organization=world.org,
        actor=world.limited.user,
        name="limited",
        scopes=["posts:read"],
        membership=world.limited,
    )
    rows = _csv(Client(HTTP_AUTHORIZATION=raw).get("/api/v1/posts/export"))
    assert [r["post_id"] for r in rows] == [str(world.post_a.public_id)]


def test_limited_members_analytics_csv_has_only_their_posts(world, client_for):
    from posts.models import Post

    when = timezone.now() - timedelta(days=1)
    Post.objects.filter(organization=world.org).update(state=State.PUBLISHED, published_at=when)
    url = reverse("posts:analytics", args=[world.org.slug])
    rows = _csv(client_for(world.limited.user).get(url, {"format": "csv", "rows": "posts"}))
    text = repr(rows)
    assert "alpha text" in text
    assert SECRET_B not in text and SECRET_NONE not in text
    owner_rows = _csv(client_for(world.owner.user).get(url, {"format": "csv", "rows": "posts"}))
    assert SECRET_B in repr(owner_rows)

"""/api/v1/imports and /api/v1/posts/export: a script uploads a file, follows its
preview, reads the rows to fix, confirms once; and exports posts as CSV."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from posts.imports.models import ImportJob
from posts.models import Post
from tests.api.helpers import make_key
from tests.factories import OrganizationFactory
from tests.posts.imports.conftest import fixture_bytes


@pytest.fixture
def native(org, owner):
    return Client(HTTP_AUTHORIZATION=f"Bearer {make_key(org, actor=owner)[1]}")


def _upload(native, data: bytes, django_capture_on_commit_callbacks, **fields):
    headers = {k: fields.pop(k) for k in list(fields) if k.startswith("HTTP_")}
    with django_capture_on_commit_callbacks(execute=True):
        return native.post(
            "/api/v1/imports",
            {"file": SimpleUploadedFile("posts.csv", data, content_type="text/csv"), **fields},
            **headers,
        )


def test_a_script_uploads_reads_problems_and_confirms_once(
    native, org, channels, django_capture_on_commit_callbacks
):
    created = _upload(
        native,
        fixture_bytes("errors.csv"),
        django_capture_on_commit_callbacks,
        timezone="Europe/Berlin",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    assert created.status_code == 202, created.content
    body = created.json()
    assert created["Location"] == f"/api/v1/imports/{body['id']}"
    status = native.get(created["Location"]).json()
    assert status["state"] == "previewed" and status["format"] == "postiz"
    assert status["progress"] == {"done": 10, "total": 10, "percent": 100}
    assert status["counts"]["ready"] == 4 and status["counts"]["error"] == 6

    errors = native.get(created["Location"] + "/rows", {"status": "error"}).json()
    assert [r["row"] for r in errors["data"]] == [3, 4, 5, 6, 7, 11]
    unknown = errors["data"][0]["problems"][0]
    assert unknown["code"] == "channel_unknown" and "Acme on Myspace" in unknown["message"]

    # The same upload with the same key is the stored answer, not a second import.
    again = _upload(
        native,
        fixture_bytes("errors.csv"),
        django_capture_on_commit_callbacks,
        timezone="Europe/Berlin",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    assert again["Idempotent-Replayed"] == "true"
    assert ImportJob.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = native.post(created["Location"] + "/confirm")
    assert confirmed.status_code == 202
    assert native.get(created["Location"]).json()["state"] == "done"
    assert Post.objects.filter(organization=org).count() == 4
    assert native.post(created["Location"] + "/confirm").status_code == 409


def test_hootsuite_upload_names_its_channels_by_id(
    native, org, mastodon, django_capture_on_commit_callbacks
):
    created = _upload(
        native,
        fixture_bytes("hootsuite.csv"),
        django_capture_on_commit_callbacks,
        channels=[str(mastodon.public_id)],
    )
    assert created.status_code == 202, created.content
    assert created.json()["state"] == "uploaded"  # the preview starts after the answer
    status = native.get(created["Location"]).json()
    assert status["format"] == "hootsuite"
    assert status["counts"]["ready"] == 3


def test_another_organizations_channel_or_import_is_not_found(
    native, org, channels, django_capture_on_commit_callbacks
):
    other = OrganizationFactory()
    their_key = make_key(other)[1]
    from integrations.models import Integration

    theirs = Integration.objects.create(
        organization=other,
        provider="mastodon",
        external_id="t",
        name="Theirs",
        credentials={"access_token": "t"},
        meta={"instance": "https://social.example"},
    )
    refused = _upload(
        native,
        fixture_bytes("hootsuite.csv"),
        django_capture_on_commit_callbacks,
        channels=[str(theirs.public_id)],
    )
    assert refused.status_code == 400
    mine = _upload(native, fixture_bytes("buffer.csv"), django_capture_on_commit_callbacks)
    stranger = Client(HTTP_AUTHORIZATION=f"Bearer {their_key}")
    location = mine["Location"]
    assert stranger.get(location).status_code == 404
    assert stranger.get(location + "/rows").status_code == 404
    assert stranger.post(location + "/confirm").status_code == 404
    assert native.get("/api/v1/imports/not-an-id").status_code == 404


def test_keys_without_the_posts_scopes_are_refused(org, owner, channels):
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(org, scopes=['posts:read'])[1]}")
    upload = reader.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("p.csv", fixture_bytes("buffer.csv"))},
    )
    assert upload.status_code == 403 and upload.json()["scope"] == "posts:write"
    media_only = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(org, scopes=['media:read'])[1]}")
    assert media_only.get("/api/v1/posts/export").status_code == 403


def test_export_route_streams_the_import_columns(native, org, owner, channels):
    from datetime import UTC, datetime

    from posts.services.groups import ChannelInput, ItemInput, post_group_create

    post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("Hello")],
        channels=[ChannelInput(channels[0].pk)],
        action="schedule",
        publish_at=datetime(2030, 5, 1, 7, 0, tzinfo=UTC),
        timezone="Europe/Berlin",
    )
    response = native.get("/api/v1/posts/export", {"from": "2030-05-01", "to": "2030-05-01"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()[1:])))
    assert [(r["text"], r["channels"], r["time"]) for r in rows] == [
        ("Hello", "Acme on Mastodon", "09:00")
    ]
    assert native.get("/api/v1/posts/export", {"from": "May"}).status_code == 400


def test_rows_list_reads_a_fixed_number_of_queries(
    native, org, channels, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    created = _upload(native, fixture_bytes("errors.csv"), django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(8):
        page = native.get(created["Location"] + "/rows", {"limit": 200})
    assert len(page.json()["data"]) == 10

"""One kind of id for the organization in every API body: its public UUID, like every
other id there (never the slug that names its pages, nor the database's number)."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from posts.models import Post, Tag
from posts.states import State
from tests.media.files import png

pytestmark = pytest.mark.django_db

WINDOW = "startDate=2030-01-01T00:00:00Z&endDate=2030-01-31T23:59:59Z"


def test_every_body_names_the_organization_by_its_public_uuid(api, key, org, channel):
    expected = str(org.public_id)
    assert uuid.UUID(expected) and expected != org.slug
    media = api.post("/public/v1/upload", {"file": SimpleUploadedFile("a.png", png())}).json()
    Tag.objects.create(organization=org, name="Launch", color="#112233")
    created = api.post(
        "/public/v1/posts",
        {
            "type": "schedule",
            "date": "2030-01-15T12:00:00Z",
            "tags": [{"value": "Launch", "label": "Launch"}],
            "posts": [
                {"integration": {"id": str(channel.public_id)}, "value": [{"content": "Hi"}]}
            ],
        },
        content_type="application/json",
    ).json()[0]
    [listed] = api.get(f"/public/v1/posts?{WINDOW}").json()["posts"]
    Post.objects.filter(public_id=created["postId"]).update(state=State.UNCONFIRMED)
    released = api.put(
        f"/public/v1/posts/{created['postId']}/release-id",
        {"releaseId": "1"},
        content_type="application/json",
    ).json()
    me = Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}").get("/api/v1/me").json()
    assert media["organizationId"] == expected
    assert listed["tags"][0]["tag"]["orgId"] == expected
    assert released["organizationId"] == expected
    assert released["tags"][0]["tag"]["orgId"] == expected
    assert me["organization"]["id"] == expected and me["organization"]["slug"] == org.slug

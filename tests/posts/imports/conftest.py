from pathlib import Path

import pytest
from django.urls import reverse

from integrations.models import Integration
from posts.imports.models import ImportJob

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Fetched media go to a fresh folder per test, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


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


@pytest.fixture
def x_channel(org):
    return Integration.objects.create(
        organization=org,
        provider="x",
        external_id="42",
        name="Acme on X",
        username="@acmex",
        credentials={"access_token": "t"},
    )


@pytest.fixture
def channels(mastodon, x_channel):
    return [mastodon, x_channel]


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Upload a file through the page as ``client``; the preview runs (the worker runs
    tasks in-process in tests) and the job is returned, fresh from the database."""

    def run(client, org, data: bytes, name="posts.csv", **form):
        from django.core.files.uploadedfile import SimpleUploadedFile

        fields = {"timezone": "Europe/Berlin", "date_order": "auto", **form}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("posts:import", args=[org.slug]),
                {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields},
            )
        assert response.status_code == 302, response.content[:500]
        return ImportJob.objects.filter(organization=org).order_by("-id").first()

    return run


@pytest.fixture
def schedule(django_capture_on_commit_callbacks):
    def run(client, job):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("posts:import_schedule", args=[job.organization.slug, job.public_id])
            )
        assert response.status_code == 302
        job.refresh_from_db()
        return job

    return run

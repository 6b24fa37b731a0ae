"""Importing a CSV file from the browser: the preview lists each bad row with what to fix,
and one click schedules the good rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.models import Integration
from posts.imports.models import ImportRow
from posts.models import Post
from posts.states import State

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parent.parent / "posts" / "imports" / "fixtures"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def channels(org):
    Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id="109",
        name="Acme on Mastodon",
        credentials={"access_token": "t"},
        meta={"instance": "https://social.example", "account_id": "109"},
    )
    Integration.objects.create(
        organization=org,
        provider="x",
        external_id="42",
        name="Acme on X",
        username="@acmex",
        credentials={"access_token": "t"},
    )


def test_a_csv_with_errors_is_previewed_and_its_good_rows_scheduled(
    org, berliner, channels, page_for, snapshot, axe
):
    page = page_for(berliner)
    page.goto("/o/acme/calendar/")
    page.get_by_role("link", name="Import CSV").click()
    assert axe(page) == []
    page.get_by_label("CSV file").set_input_files(str(FIXTURES / "errors.csv"))
    page.get_by_role("button", name="Upload and preview").click()

    page.locator("#import-summary").wait_for()
    assert "Postiz CSV" in page.locator("#import-format").inner_text()
    assert page.locator("#count-error").inner_text() == "6"
    unknown = page.locator("#row-3")
    assert "No channel “Acme on Myspace”" in unknown.inner_text()
    assert "Acme on X:" in page.locator("#row-4").inner_text()  # too long for X
    assert "has passed" in page.locator("#row-5").inner_text()
    assert "Europe/Atlantis" in page.locator("#row-6").inner_text()
    assert "could not be added" in page.locator("#row-7").inner_text()
    assert "clocks go forward" in page.locator("#row-9").inner_text()
    snapshot(page, "csv-import-preview")
    assert axe(page) == []
    assert not Post.objects.exists()  # nothing saved before the click

    page.get_by_role("button", name="Schedule 4 rows").click()
    page.get_by_role("link", name="Open the calendar").wait_for()
    assert page.locator("#count-scheduled").inner_text() == "4"
    assert Post.objects.filter(state=State.SCHEDULED).count() == 4
    assert ImportRow.objects.filter(status="scheduled").count() == 4


def test_the_progress_bar_follows_the_worker_until_the_preview_is_ready(
    org, berliner, channels, page_for
):
    """A job still waiting for the worker shows its progress; the page asks again until
    the preview is there, then shows it."""
    from django.db import transaction

    from posts.imports import services

    # Store the upload without starting its preview, as when the worker is busy.
    with transaction.atomic():
        original = services._enqueue
        services._enqueue = lambda *a, **k: None
        try:
            job = services.import_job_create(
                organization=org,
                actor=berliner,
                data=(FIXTURES / "buffer.csv").read_bytes(),
                filename="buffer.csv",
            )
        finally:
            services._enqueue = original
    page = page_for(berliner)
    page.goto(f"/o/acme/posts/import/{job.public_id}/")
    assert page.locator("#import-bar").is_visible()
    assert "Waiting for the preview" in page.locator("#import-state").inner_text()
    services.import_job_preview(job_id=job.pk)  # the worker gets to it
    page.locator("#import-summary").wait_for()
    assert "Buffer export" in page.locator("#import-format").inner_text()
    assert page.locator("#count-ready").inner_text() == "2"

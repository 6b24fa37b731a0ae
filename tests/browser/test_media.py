"""Uploading to the media library from the browser: several files, a progress row each,
and a refused file that does not sink the others."""

from __future__ import annotations

import pytest

from media.models import MediaFile
from tests.media.files import jpeg, png

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file(name: str, mime: str, data: bytes) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_several_files_upload_each_with_its_progress_and_its_own_verdict(org, owner, page_for):
    page = page_for(owner)
    page.goto("/o/acme/media/")
    page.locator("input[type=file][name=file]").first.set_input_files(
        [
            _file("beach.jpg", "image/jpeg", jpeg()),
            _file("logo.png", "image/png", png()),
            # A web page dressed as a picture: refused by its bytes, not its name.
            _file("invoice.png", "image/png", b"<!doctype html><html><body>hi</body></html>"),
        ]
    )
    rows = page.locator("[data-media-progress] li")
    page.locator("[data-media-progress] li.media-progress-done").nth(1).wait_for()
    page.locator("[data-media-progress] li.media-progress-failed").wait_for()
    assert rows.count() == 3
    failed = page.locator("li.media-progress-failed")
    assert "invoice.png" in failed.inner_text()
    assert "JPEG" in failed.locator("[role=alert]").inner_text()  # names the allowed types
    # The two good files are in the library without a reload, and stored.
    grid = page.locator("[data-media-grid]")
    assert "beach.jpg" in grid.inner_text() and "logo.png" in grid.inner_text()
    assert sorted(MediaFile.objects.values_list("name", flat=True)) == ["beach.jpg", "logo.png"]


def test_files_dropped_on_the_library_are_uploaded(org, owner, page_for):
    page = page_for(owner)
    page.goto("/o/acme/media/")
    page.evaluate(
        """(bytes) => {
            const transfer = new DataTransfer();
            const file = new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"});
            transfer.items.add(file);
            const zone = document.querySelector("[data-media-dropzone]");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        list(png()),
    )
    page.locator("li.media-progress-done").wait_for()
    assert "dropped.png" in page.locator("[data-media-grid]").inner_text()
    assert MediaFile.objects.get().name == "dropped.png"

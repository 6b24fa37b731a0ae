"""The README's curl examples, run as written against a live server: a user who copies
them gets what the README promises."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from media.models import MediaFile
from posts.models import Post, PostGroup
from posts.states import State
from tests.api.helpers import make_key
from tests.media.files import jpeg
from tests.posts.test_groups import channel

README = Path(__file__).resolve().parents[2] / "README.md"
pytestmark = pytest.mark.django_db(transaction=True)


def _block(text: str, first_line_start: str) -> str:
    """The indented code block whose first line starts with ``first_line_start``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    " + first_line_start))
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_readme_curl_examples_work_as_written(org, owner, live_server, tmp_path, settings):
    assert shutil.which("curl"), "curl is needed (make browser installs it)"
    settings.SITE_URL = live_server.url
    mastodon = channel(org, "mastodon", name="Acme on Mastodon")
    _, key = make_key(org, actor=owner)
    text = README.read_text()
    script = "\n".join(
        [
            "set -eo pipefail",
            _block(text, "KEY=ptz_...; BASE="),
            _block(text, "KEY=ptz_...; API="),
        ]
    )
    script = script.replace("KEY=ptz_...", f"KEY={key}")
    script = script.replace("http://127.0.0.1:8000", live_server.url)
    (tmp_path / "photo.jpg").write_bytes(jpeg())

    run = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )

    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert '"connected":true' in out.replace(" ", "")
    # The compatible surface scheduled a post with its reply and took the upload.
    replies = Post.objects.filter(integration=mastodon, items__content="and a reply")
    assert replies.count() == 1
    assert MediaFile.objects.get().name == "photo.jpg"
    # The native surface made its group, moved a post with If-Match, then deleted it.
    assert PostGroup.objects.count() == 2
    assert '"publish_at":"2030-01-16T09:00:00' in out.replace(" ", "")
    assert out.rstrip().endswith("204")  # the DELETE
    assert Post.objects.filter(state=State.CANCELLED).count() == 1
    assert Post.objects.filter(state=State.SCHEDULED).count() == 1

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Stored files go to a fresh folder per test, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT

"""A stored video that can only be streamed: what providers must send large files from."""

import io

from integrations.providers.base import MediaItem


class BoundedStream(io.BytesIO):
    """A stored file that fails the test on any read larger than ``largest`` bytes."""

    def __init__(self, data: bytes, largest: int):
        super().__init__(data)
        self.largest = largest

    def read(self, size=-1):
        if size is None or size < 0 or size > self.largest:
            raise AssertionError(f"read({size}) would take the whole video into memory")
        return super().read(size)


def streamed_only(
    data: bytes,
    *,
    mime_type: str = "video/mp4",
    filename: str = "clip.mp4",
    largest: int = 64 * 1024,
    **facts,
) -> MediaItem:
    """A MediaItem whose ``read()`` (the whole file at once) fails the test, and whose
    stream refuses reads of more than ``largest`` bytes; ``opened`` counts its opens."""

    def whole():
        raise AssertionError("read() loaded the whole video into memory")

    item = MediaItem(
        mime_type=mime_type,
        size=len(data),
        read=whole,
        filename=filename,
        opener=lambda: BoundedStream(data, largest),
        **facts,
    )
    return item

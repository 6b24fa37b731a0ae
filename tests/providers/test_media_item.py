"""A file given to a provider can be sent in bounded pieces, from any offset."""

import io

from integrations.providers.base import MediaItem


def _item(data: bytes) -> MediaItem:
    opened = []

    def opener():
        handle = io.BytesIO(data)
        opened.append(handle)
        return handle

    item = MediaItem(mime_type="video/mp4", size=len(data), read=lambda: data, opener=opener)
    item.opened = opened
    return item


def test_chunks_cover_the_file_in_order_with_their_offsets():
    item = _item(bytes(range(256)) * 40)  # 10,240 bytes

    pieces = list(item.chunks(4096))

    assert [offset for offset, _ in pieces] == [0, 4096, 8192]
    assert [len(piece) for _, piece in pieces] == [4096, 4096, 2048]
    assert b"".join(piece for _, piece in pieces) == bytes(range(256)) * 40


def test_chunks_resume_from_an_offset_and_close_the_file():
    item = _item(b"abcdefghij")

    assert list(item.chunks(4, start=6)) == [(6, b"ghij")]
    assert item.opened[-1].closed


def test_read_range_answers_the_bytes_asked_for_and_fewer_at_the_end():
    item = _item(b"abcdefghij")

    assert item.read_range(2, 3) == b"cde"
    assert item.read_range(8, 5) == b"ij"


def test_an_item_without_a_stored_file_streams_what_read_gives():
    item = MediaItem(mime_type="image/png", size=3, read=lambda: b"png")

    with item.open() as handle:
        assert handle.read() == b"png"

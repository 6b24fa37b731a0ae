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


def test_a_multipart_body_streams_fields_and_files_and_closes_them():
    from werkzeug.formparser import parse_form_data

    from integrations.providers.base.multipart import multipart_body
    from tests.providers.streaming import streamed_only

    video = bytes(range(256)) * 1000
    item = _item(video)
    item.filename = 'launch "final".mp4'
    empty = streamed_only(b"", mime_type="text/plain", filename="empty.txt")
    with multipart_body(fields={"caption": "Hello"}, files=[("file", item), ("x", empty)]) as body:
        sent = b""
        while piece := body.read(7000):
            assert len(piece) <= 7000
            sent += piece
        assert len(body) == len(sent)
    assert item.opened[-1].closed
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": body.content_type,
        "CONTENT_LENGTH": str(len(sent)),
        "wsgi.input": io.BytesIO(sent),
    }
    _stream, form, files = parse_form_data(environ)
    assert form.to_dict() == {"caption": "Hello"}
    assert files["file"].read() == video and files["file"].content_type == "video/mp4"
    assert files["x"].read() == b""

"""A multipart/form-data body that is read piece by piece while it is sent.

``requests`` builds a ``files=`` body in memory (it reads each file whole), which a large
video must never be. ``multipart_body`` gives a file-like body instead: ``requests`` sends
it in small blocks with its exact Content-Length, each file read from its stored stream.

    with multipart_body(fields={"description": alt}, files=[("file", item)]) as body:
        self.request("POST", url, phase=Phase.UPLOAD, data=body,
                     headers={**auth, "Content-Type": body.content_type})
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import BinaryIO

from integrations.providers.base.data import MediaItem


def _quote(value: str) -> str:
    # Form field names and file names go inside double quotes (RFC 7578 §4.2); a quote or a
    # line break in a person's file name must not end the header.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "").replace("\n", "")


class MultipartBody:
    """Bytes of the form's text, then each file streamed from its handle, in order."""

    def __init__(self, parts: list[bytes | tuple[BinaryIO, int]], boundary: str):
        self._parts = parts
        self._index = 0
        self.boundary = boundary
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._length = sum(p if isinstance(p, int) else len(p) for p in self._sizes())
        self._left: int | None = None  # bytes still to send of the current file

    def _sizes(self) -> Iterator[bytes | int]:
        for part in self._parts:
            yield part[1] if isinstance(part, tuple) else part

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        """At most ``size`` bytes (a block of the default size when none is asked for)."""
        if size is None or size < 0:
            size = 64 * 1024
        out = bytearray()
        while len(out) < size and self._index < len(self._parts):
            part = self._parts[self._index]
            if isinstance(part, tuple):
                handle, length = part
                if self._left is None:
                    self._left = length
                piece = handle.read(min(size - len(out), self._left))
                if not piece:
                    raise OSError("The stored file ended before its measured size.")
                out += piece
                self._left -= len(piece)
                if not self._left:
                    self._index, self._left = self._index + 1, None
            else:
                taken = part[: size - len(out)]
                out += taken
                rest = part[len(taken) :]
                if rest:
                    self._parts[self._index] = rest
                else:
                    self._index += 1
        return bytes(out)


def _stored_length(handle: BinaryIO) -> int:
    handle.seek(0, 2)
    length = handle.tell()
    handle.seek(0)
    return length


@contextmanager
def multipart_body(
    *,
    fields: Mapping[str, str] | Iterable[tuple[str, str] | tuple[str, str, str]] = (),
    files: Iterable[tuple[str, MediaItem] | tuple[str, MediaItem, str]] = (),
) -> Iterator[MultipartBody]:
    """Form ``fields`` as (name, value[, content type]) then ``files`` as (field name,
    item[, content type]); the files are open while the body is in use and closed after."""
    boundary = secrets.token_hex(16)
    dash = f"--{boundary}\r\n".encode()
    parts: list[bytes | tuple[BinaryIO, int]] = []
    items = fields.items() if isinstance(fields, Mapping) else fields
    for name, value, *typed in items:
        # A field may say its type (Tumblr reads its post from a JSON part).
        kind = f"Content-Type: {typed[0]}\r\n" if typed else ""
        parts.append(
            dash
            + f'Content-Disposition: form-data; name="{_quote(name)}"\r\n{kind}\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    with ExitStack() as stack:
        for entry in files:
            name, item = entry[0], entry[1]
            content_type = entry[2] if len(entry) > 2 else item.mime_type
            handle = stack.enter_context(item.open())
            parts.append(
                dash
                + (
                    f'Content-Disposition: form-data; name="{_quote(name)}"; '
                    f'filename="{_quote(item.filename)}"\r\n'
                    f"Content-Type: {content_type}\r\n\r\n"
                ).encode()
            )
            length = _stored_length(handle)
            if length:
                parts.append((handle, length))
            parts.append(b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        yield MultipartBody(parts, boundary)

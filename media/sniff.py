"""What a file is, read from its first bytes: never from its name or a Content-Type.

A file named ``cat.png`` that holds HTML is refused; a JPEG named ``report.pdf`` is a
JPEG. Only the types networks accept are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

# Enough bytes for every signature below (an ftyp box lists its compatible brands).
HEAD_BYTES = 64

ALLOWED_TYPES = "JPEG, PNG, GIF or WebP images, MP4 or MOV videos, and PDF documents"


@dataclass(frozen=True)
class FileType:
    kind: str  # a MediaFile.Kind value
    mime_type: str
    extension: str


JPEG = FileType("image", "image/jpeg", "jpg")
PNG = FileType("image", "image/png", "png")
GIF = FileType("image", "image/gif", "gif")
WEBP = FileType("image", "image/webp", "webp")
MP4 = FileType("video", "video/mp4", "mp4")
MOV = FileType("video", "video/quicktime", "mov")
PDF = FileType("document", "application/pdf", "pdf")

# ISO base media brands of MP4 video. HEIF/AVIF images use the same box and are left out
# on purpose: networks do not take them.
_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"dash",
    b"MSNV",
    b"mmp4",
    b"f4v ",
}
_MOV_BRANDS = {b"qt  "}
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def _ftyp(head: bytes) -> FileType | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    # Compatible brands follow the major brand and its 4-byte version, to the box's end.
    end = min(box_size, len(head)) if box_size >= 16 else 16
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major in _MOV_BRANDS:
        return MOV
    if major in _IMAGE_BRANDS:
        return None
    if major in _MP4_BRANDS or compatible & _MP4_BRANDS:
        return MP4
    if compatible & _MOV_BRANDS:
        return MOV
    return None


def sniff(head: bytes) -> FileType | None:
    """The type of a file from its first bytes, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(head) >= 12 and head[0:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return _ftyp(head)

"""Real minimal files of every accepted type, built the way cameras and encoders do."""

import io
import struct

from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg(width=640, height=480, *, gps=False, color="red") -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    options = {}
    if gps:
        exif = Image.Exif()
        exif[MAKE] = "Phone maker"
        exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
        options["exif"] = exif.tobytes()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def png(width=300, height=200) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 255, 128)).save(out, "PNG")
    return out.getvalue()


def webp(width=120, height=90) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, "WEBP")
    return out.getvalue()


def animated_gif(frames=3, size=(64, 48)) -> bytes:
    images = [Image.new("RGB", size, (80 * i, 10, 200)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(
        out, "GIF", save_all=True, append_images=images[1:], duration=120, loop=0, comment=b"x"
    )
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(payload_size=2048) -> bytes:
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    return ftyp + _box(b"free", b"") + _box(b"mdat", b"\0" * payload_size)


def mov(payload_size=2048) -> bytes:
    ftyp = _box(b"ftyp", b"qt  " + struct.pack(">I", 0x200) + b"qt  ")
    return ftyp + _box(b"wide", b"") + _box(b"mdat", b"\0" * payload_size)


def heic() -> bytes:
    return _box(b"ftyp", b"heic" + struct.pack(">I", 0) + b"mif1heic") + _box(b"mdat", b"\0" * 64)


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def video(
    seconds: float = 2,
    *,
    width: int = 64,
    height: int = 48,
    fps: int = 10,
    codec: str = "libx264",
    container: str = "mp4",
    rotation: int = 0,
    padding: int = 0,
) -> bytes:
    """A real, playable video encoded with PyAV (FFmpeg) in memory: ``seconds`` of
    frames whose colour changes each frame, so a poster frame shows which one it is.
    ``padding`` bytes of a trailing ``free`` box (which players skip) make it as large
    as a size test needs."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=container) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        for index in range(round(seconds * fps)):
            picture = Image.new("RGB", (width, height), ((index * 23) % 256, 120, 60))
            for packet in stream.encode(av.VideoFrame.from_image(picture)):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return out.getvalue() + (_box(b"free", b"\0" * padding) if padding else b"")


def broken_video() -> bytes:
    """An MP4 header whose movie data is noise: it sniffs as MP4 but cannot be played."""
    return mp4(4096)[:40] + bytes(range(256)) * 8

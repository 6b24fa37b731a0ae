"""TikTok's media transfer rules for a video sent in chunks (FILE_UPLOAD): how big each
chunk is, which bytes each one carries, and a chunk streamed from the stored file."""

from __future__ import annotations

MB = 1024 * 1024
GB = 1024 * MB

# A file under 5 MB goes whole; otherwise every chunk is 5-64 MB, there are
# floor(size / chunk) of them, and the last one takes the remainder too (so it may reach
# 128 MB); at most 1,000 chunks.
MIN_CHUNK = 5 * MB
MAX_CHUNK = 64 * MB
MAX_CHUNKS = 1000


def chunk_plan(size: int, preferred: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) for a video of ``size`` bytes, as TikTok counts
    them: the last chunk carries the remainder."""
    preferred = min(max(preferred, MIN_CHUNK), MAX_CHUNK)
    if size < 2 * preferred and size <= MAX_CHUNK:
        # The whole file as one chunk (chunk_size is its size); under 5 MB it must be.
        return size, 1
    chunk = min(preferred, size // 2)
    count = size // chunk
    if count > MAX_CHUNKS:
        chunk = -(-size // MAX_CHUNKS)  # a bigger chunk keeps the count within 1,000
        count = size // chunk
    return chunk, count


def chunk_ranges(size: int, chunk: int, count: int) -> list[tuple[int, int]]:
    """(first byte, length) of each chunk."""
    ranges = [(i * chunk, chunk) for i in range(count)]
    first, _ = ranges[-1]
    ranges[-1] = (first, size - first)
    return ranges


class _Slice:
    """``length`` bytes of an open file from its current position, read by requests in
    its own small blocks: a chunk is streamed, never held whole in memory."""

    def __init__(self, handle, length: int):
        self.handle, self.left = handle, length

    def __len__(self) -> int:
        return self.left

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        if size is None or size < 0 or size > self.left:
            size = self.left
        piece = self.handle.read(size)
        self.left -= len(piece)
        return piece

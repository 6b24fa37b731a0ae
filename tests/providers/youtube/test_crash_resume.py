"""A publishing process killed (SIGKILL) in the middle of a video upload resumes it.

The worker of bench/video_upload.py publishes a video through the YouTube provider, saving
its progress to disk as the engine saves it to the database (durably, before returning).
The fake of YouTube's resumable protocol (the same module) holds the worker's fifth chunk
without answering it; the worker is killed there. A new worker then publishes the same
post from the saved progress: it must ask the same session what it holds and send only the
rest. The fake then holds every byte, at most the one unacknowledged chunk came twice,
and exactly one video exists.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import threading

from django.conf import settings

from bench.video_upload import ROOT, start_fake, worker_command, worker_env

KIB = 1024
CHUNK = 256 * KIB
SIZE = 20 * CHUNK + 100 * KIB


def test_a_worker_killed_mid_upload_resumes_without_a_second_video(tmp_path):
    ledger, server, base = start_fake()
    video = tmp_path / "clip.mp4"
    video.write_bytes(os.urandom(SIZE))
    progress = tmp_path / "progress.json"
    held, release = threading.Event(), threading.Event()

    def hold_the_fifth_chunk(number: int) -> None:
        if number == 5:
            held.set()
            release.wait(30)

    ledger.after_chunk = hold_the_fifth_chunk
    command = worker_command(file=video, base=base, progress=progress, chunk_kib=CHUNK // KIB)
    env = worker_env(base, str(settings.VAR_DIR))
    try:
        first = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            assert held.wait(60), first.stderr.read().decode() if first.poll() else "no chunk"
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            ledger.after_chunk = None
            release.set()
        assert first.returncode == -signal.SIGKILL
        assert ledger.videos == [] and len(ledger.chunks) == 5
        # The session the upload went to was saved before its first byte.
        [upload_id] = ledger.sessions
        assert upload_id in json.loads(progress.read_text())["upload_session"]

        second = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
        )
        assert second.returncode == 0, second.stderr
    finally:
        server.shutdown()

    # The same session, asked once, went on from what it held.
    assert list(ledger.sessions) == [upload_id] and ledger.status_queries == 1
    assert ledger.sessions[upload_id]["received"] == SIZE
    covered = sorted((first, last) for _, first, last in ledger.chunks)
    assert covered[0][0] == 0 and covered[-1][1] == SIZE - 1
    assert all(b[0] <= a[1] + 1 for a, b in itertools.pairwise(covered))
    # At most the chunk that was never answered came twice.
    assert ledger.resent() <= CHUNK
    assert len(ledger.videos) == 1
    assert json.loads(second.stdout.strip().splitlines()[-1])["video"] == ledger.videos[0]

"""`manage.py worker` (the Procfile's and Compose's worker): the publisher and the job
cluster forked from one loaded Django, a dead role started again, and a SIGTERM that
leaves nothing running within 3 seconds."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    """The test database, on the embedded server's socket (as `make run` hands it on)."""
    params = connection.settings_dict
    return f"postgres://{params['USER']}@/{params['NAME']}?host={params['HOST']}"


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(word) for word in handle.read().split()]
    except FileNotFoundError:
        return []


def _tree(pid: int) -> set[int]:
    found = {pid}
    for child in _children(pid):
        found |= _tree(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def worker():
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "POSTIZ_PUBLISHERS": "1",
        "POSTIZ_WORKERS": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            for pid in _tree(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()


def _parts(pid: int) -> tuple[int, int] | None:
    """(the publisher, the cluster's sentinel) once both run with processes of their own
    (the publisher's loop; the sentinel's pusher, job worker and monitor)."""
    children = _children(pid)
    publisher = [c for c in children if os.getsid(c) == c]
    sentinel = [c for c in children if os.getsid(c) != c]
    if (
        len(publisher) == 1
        and len(sentinel) == 1
        and _children(publisher[0])
        and len(_children(sentinel[0])) >= 3
    ):
        return publisher[0], sentinel[0]
    return None


@pytest.mark.django_db(transaction=True)
def test_the_publisher_and_the_jobs_share_one_loaded_django_and_stop_within_3_seconds(worker):
    publisher, _sentinel = _wait_for(lambda: _parts(worker.pid))
    # The publisher is forked in a session of its own (a terminal's Ctrl-C reaches the
    # parent, which stops it in order); the cluster runs from the parent itself.
    assert os.getsid(publisher) == publisher
    everything = _tree(worker.pid) - {worker.pid}
    assert len(everything) >= 5

    time.sleep(2)  # running, not starting
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    code = worker.wait(timeout=10)
    took = time.monotonic() - started
    output = worker.stdout.read()

    assert code == 0, output
    assert took <= 3.0, output
    assert "publisher: stopped" in output
    assert "stopping cluster processes" in output  # django-q2's sentinel stopped its own
    assert "killed at stop" not in output
    _wait_for(lambda: not any(_alive(pid) for pid in everything), timeout=1)


@pytest.mark.django_db(transaction=True)
def test_a_publisher_that_dies_is_forked_again_and_the_jobs_keep_running(worker):
    publisher, sentinel = _wait_for(lambda: _parts(worker.pid))
    os.killpg(publisher, signal.SIGKILL)

    def replaced():
        parts = _parts(worker.pid)
        return parts if parts and parts[0] != publisher else None

    _, still = _wait_for(replaced, timeout=15)
    assert still == sentinel  # the cluster was left alone
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0
    assert "the publisher exited" in worker.stdout.read()


@pytest.mark.django_db(transaction=True)
def test_a_cluster_whose_sentinel_died_stops_the_worker_for_its_manager_to_restart(worker):
    _publisher, sentinel = _wait_for(lambda: _parts(worker.pid))
    everything = _tree(worker.pid) - {worker.pid}
    os.kill(sentinel, signal.SIGKILL)

    code = worker.wait(timeout=10)
    output = worker.stdout.read()
    assert code == 1, output
    assert "sentinel exited" in output
    # Nothing runs on unowned: the publisher and the dead sentinel's processes are gone.
    _wait_for(lambda: not any(_alive(pid) for pid in everything), timeout=2)

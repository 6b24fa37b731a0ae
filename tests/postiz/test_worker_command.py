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


def _roles(pid: int) -> list[int]:
    """The parent's two roles, each with processes of its own (the publisher's loop, the
    cluster's sentinel and workers)."""
    roles = _children(pid)
    return roles if len(roles) == 2 and all(_children(role) for role in roles) else []


@pytest.mark.django_db(transaction=True)
def test_the_publisher_and_the_jobs_share_one_loaded_django_and_stop_within_3_seconds(worker):
    roles = _wait_for(lambda: _roles(worker.pid))
    # Forked, not started as programs: each role is a child of the parent, in a session of
    # its own (a terminal's Ctrl-C reaches the parent, which stops them in order).
    for role in roles:
        assert os.getsid(role) == role
    everything = set().union(*(_tree(role) for role in roles))
    assert len(everything) >= 4

    time.sleep(2)  # running, not starting
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    code = worker.wait(timeout=10)
    took = time.monotonic() - started
    output = worker.stdout.read()

    assert code == 0, output
    assert took <= 3.0, output
    assert "publisher: stopped" in output
    assert "has stopped" in output  # django-q2's cluster stopped its own processes
    _wait_for(lambda: not any(_alive(pid) for pid in everything), timeout=1)


@pytest.mark.django_db(transaction=True)
def test_a_role_that_dies_is_forked_again_and_the_other_keeps_running(worker):
    first, second = _wait_for(lambda: _roles(worker.pid))
    os.killpg(first, signal.SIGKILL)

    def replaced():
        roles = _roles(worker.pid)
        return roles if roles and first not in roles else None

    roles = _wait_for(replaced, timeout=15)
    assert second in roles  # the other role was left alone
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0
    assert "exited" in worker.stdout.read()

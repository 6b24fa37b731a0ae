"""`manage.py publisher`: its loops publish, one that dies is started again, and it stops
(everything it started) within 3 s of SIGTERM.

These run real processes: the command itself against the test database (the test commits
its rows, so the process sees them), and the parent with stand-in loops for the restart
and stop rules."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from werkzeug import Response

from posts.models import Post
from posts.states import State
from tests.factories import PostFactory
from tests.posts.helpers import status


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except FileNotFoundError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


class Process:
    """A publisher process started for a test; its output in a file."""

    def __init__(self, argv: list[str], env: dict, log_path):
        self.log_path = log_path
        self.output = open(log_path, "w")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            argv,
            cwd=settings.BASE_DIR,
            # A process that is stuck shows where (faulthandler) when the test aborts it.
            env={**os.environ, "LOG_LEVEL": "INFO", "PYTHONFAULTHANDLER": "1", **env},
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def loops(self, count: int) -> list[int]:
        try:
            return _wait_for(
                lambda: len(pids := _children(self.process.pid)) == count and pids, 30, "loops"
            )
        except AssertionError:
            code = self.process.poll()
            if code is None:
                self.process.send_signal(signal.SIGABRT)
                self.process.wait(10)
            raise AssertionError(
                f"{count} loops not running (exit code {code})\n{self.log}"
            ) from None

    def stop(self) -> float:
        """SIGTERM; returns how long it took to exit."""
        stopping = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)
        return time.monotonic() - stopping

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.output.close()


@pytest.fixture
def processes():
    started = []
    yield lambda *args: started.append(Process(*args)) or started[-1]
    for process in started:
        process.kill()


def _database_url() -> str:
    """The test database, as DATABASE_URL for another process."""
    db = connection.settings_dict
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    if db["HOST"].startswith("/"):
        return f"postgres://{auth}@/{db['NAME']}?host={db['HOST']}"
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_publisher_publishes_starts_a_killed_loop_again_and_stops_within_3_s(
    mastodon, httpserver, processes, tmp_path
):
    keys = []
    lock = threading.Lock()

    def statuses(request):
        with lock:
            keys.append(request.headers["Idempotency-Key"])
            number = len(keys)
        return Response(json.dumps(status(str(number))), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    publisher = processes(
        [sys.executable, "manage.py", "publisher"],
        {
            "DATABASE_URL": _database_url(),
            "POSTIZ_VAR_DIR": str(settings.VAR_DIR),  # the same key for channel credentials
            "POSTIZ_ALLOW_PRIVATE_URLS": "1",
            "POSTIZ_PUBLISHERS": "2",
        },
        tmp_path / "publisher.log",
    )
    loops = publisher.loops(2)

    def published(post):
        return lambda: Post.objects.get(pk=post.pk).state == State.PUBLISHED

    first = PostFactory(integration=mastodon, items=["first"])
    _wait_for(published(first), 20, f"the first post published\n{publisher.log}")

    os.kill(loops[0], signal.SIGKILL)
    _wait_for(
        lambda: loops[0] not in (pids := _children(publisher.process.pid)) and len(pids) == 2,
        3,
        f"the killed loop started again\n{publisher.log}",
    )
    assert "exited (rc=-9); restarting" in publisher.log
    second = PostFactory(integration=mastodon, items=["second"])
    _wait_for(published(second), 10, f"the second post published\n{publisher.log}")
    assert len(keys) == 2

    loops = _children(publisher.process.pid)
    assert publisher.stop() < 3
    assert publisher.process.returncode == 0
    assert not any(_alive(pid) for pid in loops)


# A parent with stand-in loops: slot 1 fails as if the database were down; every loop says
# when it starts and stops, and takes FAKE_STOP_SECONDS to stop.
FAKE_LOOPS = """
import os, sys, time
import django
django.setup()
from django.db import OperationalError
from posts import publisher
publisher.RESTART_MAX = 0.4
def body(slot, stop):
    print("loop", slot, "up", os.getpid(), flush=True)
    if slot == 1 and os.environ.get("FAKE_FAILING"):
        raise OperationalError("connection refused")
    stop.wait()
    print("loop", slot, "stopping", flush=True)
    time.sleep(float(os.environ.get("FAKE_STOP_SECONDS", "0")))
sys.exit(publisher.serve(loops=2, grace=1.0, body=body))
"""


def _fake_loops(processes, tmp_path, **env):
    # Settings load without starting a database; the stand-ins never connect.
    env = {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none", "PYTHONUNBUFFERED": "1", **env}
    return processes([sys.executable, "-c", FAKE_LOOPS], env, tmp_path / "parent.log")


def test_a_loop_that_keeps_failing_is_started_again_later_each_time_and_the_others_run_on(
    processes, tmp_path
):
    parent = _fake_loops(processes, tmp_path, FAKE_FAILING="1")
    _wait_for(
        lambda: parent.log.count("(rc=1); restarting") >= 3, 10, f"three restarts\n{parent.log}"
    )
    log = parent.log
    assert "the database failed: connection refused" in log
    delays = [line.rsplit(" ", 2)[1] for line in log.splitlines() if "(rc=1); restarting" in line]
    assert delays[:3] == ["0.2", "0.4", "0.4"]
    assert log.count("loop 0 up") == 1  # never disturbed
    assert parent.stop() < 3


def test_a_loop_that_does_not_stop_in_time_is_cut_off_and_the_parent_is_gone_within_3_s(
    processes, tmp_path
):
    parent = _fake_loops(processes, tmp_path, FAKE_STOP_SECONDS="30")
    loops = parent.loops(2)
    took = parent.stop()
    assert 1.0 <= took < 3  # the grace (1 s), not the 30 s the loops would take
    assert "loop 0 stopping" in parent.log and "loop 1 stopping" in parent.log
    assert not any(_alive(pid) for pid in loops)


def test_loops_stop_by_themselves_when_their_parent_is_gone(processes, tmp_path):
    parent = _fake_loops(processes, tmp_path)
    loops = parent.loops(2)
    parent.process.send_signal(signal.SIGKILL)
    parent.process.wait()
    _wait_for(lambda: not any(_alive(pid) for pid in loops), 3, "the loops stopped")
    assert parent.log.count("stopping") == 2

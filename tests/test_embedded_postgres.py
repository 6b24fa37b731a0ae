"""The embedded server runs while any process uses it, and stops when the last one exits."""

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from postiz.database import EmbeddedPostgres

HOLD = (
    "import sys; from postiz.database import EmbeddedPostgres; "
    "EmbeddedPostgres(sys.argv[1]).acquire(); print('ready', flush=True); sys.stdin.read()"
)


def _hold(var_dir):
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(var_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def _let_go(process):
    process.stdin.close()
    assert process.wait(timeout=60) == 0


@pytest.fixture
def var_dir(tmp_path):
    # Beside the project's own var/, not in pytest's temporary directory: another test
    # session starting meanwhile sets that one back to owner-only, and as root the server
    # runs as its own system user, which must reach its data.
    path = Path(settings.VAR_DIR) / "embedded-tests" / tmp_path.name
    shutil.rmtree(path, ignore_errors=True)
    yield path
    EmbeddedPostgres(path).stop()
    shutil.rmtree(path, ignore_errors=True)


def test_server_stops_only_when_the_last_process_using_it_exits(var_dir):
    server = EmbeddedPostgres(var_dir)
    first, second = _hold(var_dir), _hold(var_dir)
    assert server.is_running()
    _let_go(first)
    assert server.is_running(), "stopped while another process still used it"
    _let_go(second)
    assert not server.is_running()


def test_a_killed_process_does_not_keep_the_server_alive(var_dir):
    server = EmbeddedPostgres(var_dir)
    killed = _hold(var_dir)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    survivor = _hold(var_dir)
    _let_go(survivor)
    assert not server.is_running()


def test_data_survives_a_restart(var_dir):
    import psycopg

    server = EmbeddedPostgres(var_dir)
    holder = _hold(var_dir)
    with psycopg.connect(host=server.settings()["HOST"], user="postgres", dbname="postiz") as c:
        c.execute("CREATE TABLE kept (note text)")
        c.execute("INSERT INTO kept VALUES ('still here')")
    _let_go(holder)
    holder = _hold(var_dir)
    with psycopg.connect(host=server.settings()["HOST"], user="postgres", dbname="postiz") as c:
        assert c.execute("SELECT note FROM kept").fetchone() == ("still here",)
    _let_go(holder)


def test_a_server_that_died_in_use_is_started_again_and_still_stops_with_its_last_user(var_dir):
    import os
    import time

    server = EmbeddedPostgres(var_dir)
    holder = _hold(var_dir)
    postmaster = int((server.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    os.kill(postmaster, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server.is_running():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    while True:  # its server processes go a moment after it: until then it cannot start
        try:
            restarted = server.ensure_running()
            break
        except RuntimeError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert restarted and server.is_running()
    assert server.ensure_running() is False  # running: nothing to do
    assert os.getpid() in server._read_pids()  # who started it uses it, until it lets go
    server.release()
    assert server.is_running(), "stopped while another process still used it"
    _let_go(holder)
    assert not server.is_running()

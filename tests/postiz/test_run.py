"""The `run` supervisor, with stand-in programs for the web server and the worker."""

import os
import signal
import sys
import threading
import time
from io import StringIO

from postiz.management.commands.run import Command

# Stands in for manage.py: "runserver" behaves as told by FAKE_WEB, "qcluster" stops only on
# SIGTERM to itself and says so, as the django-q2 cluster does.
FAKE_MANAGE = """
import os, signal, sys, time
role = sys.argv[1]
if role == "qcluster":
    def stop(signum, frame):
        print("worker stopping gracefully", flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    open(os.environ["FAKE_WORKER_READY"], "w").close()
print(role, "ready", os.getpid(), flush=True)
if role == "runserver" and os.environ.get("FAKE_WEB") == "exit":
    while not os.path.exists(os.environ["FAKE_WORKER_READY"]):
        time.sleep(0.01)
    sys.exit(3)
while True:
    time.sleep(0.05)
"""


def _supervise(tmp_path, env_extra=None, on_ready=None):
    out = StringIO()
    command = Command(stdout=out)
    env = {**os.environ, "FAKE_WORKER_READY": str(tmp_path / "worker-ready"), **(env_extra or {})}
    manage = [sys.executable, "-c", FAKE_MANAGE]
    if on_ready:
        threading.Thread(target=on_ready, args=(out,), daemon=True).start()
    code = command.supervise(env, manage, host="127.0.0.1", port="0", worker=True)
    return code, out.getvalue()


def _pids(output: str) -> list[int]:
    return [int(line.rsplit(" ", 1)[1]) for line in output.splitlines() if " ready " in line]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_ctrl_c_stops_the_web_server_and_lets_the_worker_stop_gracefully(tmp_path):
    def press_ctrl_c_when_ready(out):
        deadline = time.monotonic() + 20
        while out.getvalue().count(" ready ") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.getsignal(signal.SIGINT)
    code, output = _supervise(tmp_path, on_ready=press_ctrl_c_when_ready)

    assert code == 0
    assert "worker stopping gracefully" in output
    assert "killing" not in output
    assert all(_gone(pid) for pid in _pids(output))
    assert signal.getsignal(signal.SIGINT) is previous


def test_when_one_process_exits_the_other_is_stopped_and_its_code_returned(tmp_path):
    code, output = _supervise(tmp_path, {"FAKE_WEB": "exit"})

    assert code == 3
    assert "web    | runserver ready" in output
    assert "web exited (rc=3)" in output
    assert "worker stopping gracefully" in output
    assert all(_gone(pid) for pid in _pids(output))

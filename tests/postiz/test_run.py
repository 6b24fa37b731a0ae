"""The `run` supervisor, with stand-in programs for the web server, the publisher and the worker."""

import os
import signal
import sys
import threading
import time
from io import StringIO

import pytest

from postiz import supervisor as run

# Stands in for manage.py. Each role says "<role> ready <pid>" and runs until SIGTERM; the
# qcluster stops only on SIGTERM to itself and says so, as the django-q2 cluster does.
# FAKE_EXIT=<role>:<code> makes that role exit with the code right after it is ready,
# once (FAKE_ONCE names a file that marks it done) or every time.
FAKE_MANAGE = """
import os, signal, subprocess, sys, time
role = sys.argv[1]
# The qcluster's processes: stopped first, then its interpreter is torn down (FAKE_TEARDOWN s).
cluster = None
if role == "qcluster":
    cluster = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
def stop(signum, frame):
    if cluster:
        cluster.kill()
        cluster.wait()
    print(role, "stopping gracefully", flush=True)
    time.sleep(float(os.environ.get("FAKE_TEARDOWN", 0)) if cluster else 0)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print(role, "args", *sys.argv[2:], flush=True)
print(role, "ready", os.getpid(), flush=True)
exiting, _, code = os.environ.get("FAKE_EXIT", "").partition(":")
once = os.environ.get("FAKE_ONCE")
if exiting == role and not (once and os.path.exists(once)):
    if once:
        open(once, "w").close()
    sys.exit(int(code))
while True:
    time.sleep(0.05)
"""


def _supervise(env_extra=None, *, until, database=None, reload=None):
    """Run the supervisor with the stand-ins until ``until(output)`` holds, then Ctrl-C."""
    out = StringIO()
    lock = threading.Lock()

    def write(line):
        with lock:
            out.write(line + "\n")

    def press_ctrl_c_when_ready():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with lock:
                if until(out.getvalue()):
                    break
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    env = {**os.environ, **(env_extra or {})}
    manage = [sys.executable, "-c", FAKE_MANAGE]
    threading.Thread(target=press_ctrl_c_when_ready, daemon=True).start()
    started = time.monotonic()
    code = run.supervise(
        env,
        manage,
        host="127.0.0.1",
        port="0",
        worker=True,
        write=write,
        database=database,
        reload=reload,
    )
    return code, out.getvalue(), time.monotonic() - started


def _ready(output: str, role: str) -> list[int]:
    return [
        int(line.rsplit(" ", 1)[1]) for line in output.splitlines() if f"| {role} ready " in line
    ]


def _all_ready(output: str) -> bool:
    return all(_ready(output, role) for role in ("runserver", "publisher", "qcluster"))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def quick_restarts(monkeypatch):
    monkeypatch.setattr(run, "RESTART_FIRST", 0.05)
    monkeypatch.setattr(run, "RESTART_MAX", 0.2)


def test_ctrl_c_stops_all_three_and_lets_the_worker_and_publisher_stop_gracefully():
    previous = signal.getsignal(signal.SIGINT)
    code, output, _ = _supervise(until=_all_ready)

    assert code == 0
    assert "qcluster stopping gracefully" in output
    assert "publisher stopping gracefully" in output
    assert "killing" not in output
    pids = [pid for role in ("runserver", "publisher", "qcluster") for pid in _ready(output, role)]
    assert len(pids) == 3 and all(_gone(pid) for pid in pids)
    assert signal.getsignal(signal.SIGINT) is previous


def test_the_worker_is_not_waited_for_once_its_cluster_has_stopped():
    code, output, took = _supervise({"FAKE_TEARDOWN": "30"}, until=_all_ready)

    assert code == 0
    assert "qcluster stopping gracefully" in output
    assert "killing" not in output
    assert took < 15  # the stop took far less than the 30 s teardown (or the grace)
    assert all(_gone(pid) for pid in _ready(output, "qcluster"))


def test_a_process_that_exits_is_started_again_and_the_others_keep_running(tmp_path):
    def restarted(output):
        return len(_ready(output, "publisher")) == 2 and _all_ready(output)

    code, output, _ = _supervise(
        {"FAKE_EXIT": "publisher:3", "FAKE_ONCE": str(tmp_path / "exited")}, until=restarted
    )

    assert code == 0
    assert "publisher exited (rc=3); restarting in 1 s" in output
    assert "publisher started again" in output
    assert len(_ready(output, "runserver")) == 1  # never stopped
    assert len(_ready(output, "qcluster")) == 1
    assert all(_gone(pid) for pid in _ready(output, "publisher"))


def test_a_process_that_keeps_dying_is_started_again_later_each_time(quick_restarts):
    code, output, _ = _supervise(
        {"FAKE_EXIT": "publisher:1"}, until=lambda output: "restarting in 0.2 s" in output
    )

    assert code == 0
    delays = [
        line.rsplit("restarting in ", 1)[1]
        for line in output.splitlines()
        if "publisher exited (rc=1)" in line
    ]
    assert delays[:3] == ["0.05 s", "0.1 s", "0.2 s"]


class FakeDatabase:
    """Stands in for the embedded server: it "died" and was started again on one check."""

    def __init__(self, restart_on: int):
        self.checks = 0
        self.restart_on = restart_on

    def ensure_running(self) -> bool:
        self.checks += 1
        return self.checks == self.restart_on


def test_a_dead_embedded_database_is_started_again_and_the_worker_with_it(monkeypatch):
    monkeypatch.setattr(run, "DATABASE_CHECK", 0.05)
    database = FakeDatabase(restart_on=20)

    code, output, _ = _supervise(
        database=database, until=lambda output: len(_ready(output, "qcluster")) == 2
    )

    assert code == 0
    assert database.checks >= 20
    assert "the embedded PostgreSQL server had stopped; started it again" in output
    # The qcluster keeps its broken connections: it is stopped and started again.
    assert "restarting worker" in output
    assert "worker started again" in output
    assert len(_ready(output, "runserver")) == 1
    assert len(_ready(output, "publisher")) == 1


def test_ctrl_c_while_a_process_waits_to_be_started_again_stops_the_rest(monkeypatch):
    monkeypatch.setattr(run, "RESTART_FIRST", 30.0)
    code, output, took = _supervise(
        {"FAKE_EXIT": "publisher:2"},
        until=lambda output: "restarting in 30 s" in output and _all_ready(output),
    )

    assert code == 0
    assert took < 10
    assert "publisher started again" not in output
    assert all(_gone(pid) for role in ("runserver", "qcluster") for pid in _ready(output, role))


def test_without_site_url_the_processes_link_to_the_port_make_run_serves():
    from postiz.supervisor import children_env

    env = children_env({"PATH": "/bin"}, host="127.0.0.1", port="8102")
    assert env["SITE_URL"] == "http://127.0.0.1:8102"
    assert children_env({}, host="0.0.0.0", port=9000)["SITE_URL"] == "http://127.0.0.1:9000"  # noqa: S104
    assert children_env({}, host="::", port=9000)["SITE_URL"] == "http://[::1]:9000"
    # A SITE_URL that is set (the address behind a proxy) is kept as it is.
    kept = children_env({"SITE_URL": "https://postiz.example.com"}, host="127.0.0.1", port=8102)
    assert kept["SITE_URL"] == "https://postiz.example.com"


def test_a_changed_python_file_or_template_starts_the_web_server_again_at_once(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(run, "RELOAD_CHECK", 0.05)
    (tmp_path / "views.py").write_text("A = 1\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<p>one</p>\n")
    (tmp_path / "var").mkdir()

    def change_code():
        (tmp_path / "var" / "state.py").write_text("B = 2\n")  # under var/: not code
        os.utime(tmp_path / "views.py", ns=(0, 10**18))

    edits = [change_code, lambda: (tmp_path / "templates" / "page.html").write_text("<p/>\n")]
    done = []

    def edit_then_wait(output):
        restarts = output.count("changed; restarting web")
        ready = len(_ready(output, "runserver"))
        if _all_ready(output) and ready == restarts + 1 == len(done) + 1 and edits:
            done.append(edits.pop(0)())
        return ready == 3

    code, output, _ = _supervise(until=edit_then_wait, reload=tmp_path)

    assert code == 0
    assert "views.py changed; restarting web" in output
    assert "templates/page.html changed; restarting web" in output
    assert "state.py" not in output
    assert output.count("runserver stopping gracefully") == 3
    assert "web exited (rc=0); restarting in 0 s" in output  # asked for, not a failure
    assert len(_ready(output, "publisher")) == 1 and len(_ready(output, "qcluster")) == 1
    assert all(_gone(pid) for pid in _ready(output, "runserver"))


def test_without_reload_nothing_watches_the_files_and_runserver_runs_without_its_reloader():
    code, output, _ = _supervise(until=_all_ready)

    assert code == 0
    # runserver's own autoreloader would be a second process with a second copy of Django.
    assert "runserver args --noreload 127.0.0.1:0" in output
    assert "restarting web" not in output


def test_the_supervisor_imports_nothing_of_django():
    import subprocess

    program = (
        "import sys; import postiz.supervisor, postiz.database; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
        cwd=run.BASE_DIR,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
    assert result.stdout.strip() == "[]"


def test_manage_py_run_becomes_the_supervisor_program_without_its_folder_on_the_path():
    from postiz.management.commands.run import supervisor_argv

    argv = supervisor_argv(host="127.0.0.1", port=8102, worker=True, reload=True)
    assert argv[:3] == [sys.executable, "-P", str(run.BASE_DIR / "postiz" / "supervisor.py")]
    assert argv[3:] == ["--host", "127.0.0.1", "--port", "8102"]
    quiet = supervisor_argv(
        host="::", port="9000", worker=False, reload=False, embedded=run.BASE_DIR / "var"
    )
    assert quiet[3:] == [
        "--host", "::", "--port", "9000", "--no-worker", "--noreload",
        "--embedded", str(run.BASE_DIR / "var"),
    ]  # fmt: skip

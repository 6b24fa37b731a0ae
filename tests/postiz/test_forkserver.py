"""The fork server of `make run`: the roles are forked from one loaded Django, and the
supervisor watches, signals and reaps them as if it had started them itself."""

import json
import os
import subprocess
import sys

from django.conf import settings

from postiz import supervisor as run

# Run in a process of its own: it makes itself a subreaper, which the test process must not.
SCRIPT = r"""
import json, os, signal, sys, time
from postiz import supervisor as run

assert run.become_subreaper()
server = run.ForkServer([sys.executable, "manage.py"], dict(os.environ), out=print)
server.start()
ROLE = (
    "import os, sys; "
    "print(os.getpid(), os.getppid(), os.getpgid(0), 'posts.runner' in sys.modules, flush=True); "
    "sys.exit(int(os.environ.get('CODE', '0')))"
)
answers = {}

role = server.spawn(["shell", "-c", ROLE])
answers["line"] = role.stdout.read().decode().split()
answers["code"] = role.wait()
answers["role_pid"] = role.pid

os.environ["CODE"] = "3"  # the server forks with its own environment: still 0
second = server.spawn(["shell", "-c", "import sys; sys.exit(3)"])
second.stdout.read()
answers["failed_code"] = second.wait()

sleeper = server.spawn(["shell", "-c", "import time; print('up', flush=True); time.sleep(60)"])
sleeper.stdout.readline()
os.killpg(sleeper.pid, signal.SIGTERM)  # its own group, named by its pid
answers["terminated_code"] = sleeper.wait()

answers["server_pid"] = server.process.pid
server.terminate()
server.process.wait()
answers["after_server_died"] = server.spawn(["shell", "-c", "pass"]) is None
answers["me"] = os.getpid()
print(json.dumps(answers))
"""


def _run_script():
    env = run.children_env(
        os.environ, host="127.0.0.1", port="0", database=settings.EMBEDDED_POSTGRES
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        cwd=run.BASE_DIR,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_role_is_forked_from_the_loaded_django_and_adopted_by_the_supervisor():
    answers = _run_script()

    pid, parent, group, preloaded = answers["line"][-4:]  # after the shell's banner
    assert int(pid) == answers["role_pid"]
    assert int(parent) == answers["me"]  # adopted: the supervisor waits on it
    assert int(parent) != answers["server_pid"]
    assert int(group) == int(pid)  # a session of its own: Ctrl-C reaches the supervisor only
    assert preloaded == "True"  # it shares the server's modules instead of importing them
    assert answers["code"] == 0
    assert answers["failed_code"] == 3
    assert answers["terminated_code"] == -15
    # With the server gone, a role is started as a program of its own (the caller's
    # fallback), not lost.
    assert answers["after_server_died"] is True

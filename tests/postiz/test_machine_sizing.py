"""Publisher loops and job workers are sized to the machine unless they are set."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from postiz.settings import sized_to_cores

ROOT = Path(__file__).resolve().parents[2]


def test_half_the_cores_at_least_one_at_most_the_cap():
    assert [sized_to_cores(cores, most=4) for cores in (1, 2, 3, 4, 8, 64)] == [1, 1, 1, 2, 4, 4]
    assert sized_to_cores(16, most=8) == 8


def _defaults(cores: set[int], **env) -> str:
    program = (
        "from django.conf import settings as s; print(s.POSTIZ_PUBLISHERS, s.Q_CLUSTER['workers'])"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POSTIZ_")}
    # Another server's DATABASE_URL: the secrets must be given (they are never generated).
    environ.update(
        DJANGO_SETTINGS_MODULE="postiz.settings",
        DATABASE_URL="postgres://x@/x",
        SECRET_KEY="s" * 50,
        POSTIZ_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    environ.update(POSTIZ_VAR_DIR=os.environ.get("POSTIZ_VAR_DIR", str(ROOT / "var")), **env)
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_a_machine_of_one_or_two_cores_runs_one_publisher_loop_and_one_job_worker():
    assert _defaults({0}) == "1 1"


def test_what_is_set_wins_over_the_machine():
    assert _defaults({0}, POSTIZ_PUBLISHERS="3", POSTIZ_WORKERS="2") == "3 2"

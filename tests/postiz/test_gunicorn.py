"""gunicorn (the Procfile's web, the Docker image) loads the application once for its
workers, sizes them to the machine and stops within about 3 seconds."""

import gc
import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _effective(**env) -> dict[str, str]:
    """The settings gunicorn runs with, started as the Procfile starts it (from the project
    folder, which holds gunicorn.conf.py)."""
    environ = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
    result = subprocess.run(
        [str(GUNICORN), "--print-config", "postiz.wsgi"],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(
        (part.strip() for part in line.split("=", 1))
        for line in result.stdout.splitlines()
        if "=" in line
    )


def test_the_workers_share_one_preloaded_application_and_stop_within_3_seconds():
    config = _effective(WEB_CONCURRENCY="3")

    assert config["preload_app"] == "True"
    assert config["workers"] == "3"
    assert float(config["graceful_timeout"]) <= 2


def test_without_web_concurrency_there_is_a_worker_per_core_and_at_least_two():
    cores = len(os.sched_getaffinity(0))
    assert _effective()["workers"] == str(max(2, min(cores, 8)))


def test_the_procfile_leaves_the_worker_count_to_the_configuration():
    web = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    assert "gunicorn postiz.wsgi" in web
    assert "--workers" not in web and " -w " not in web


def test_before_a_worker_is_forked_the_urlconf_is_loaded_and_the_heap_frozen():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    urlconf = "postiz.urls"
    sys.modules.pop(urlconf, None)  # as in a master that served no request yet
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        config["pre_fork"](server=None, worker=None)
        assert urlconf in sys.modules
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()

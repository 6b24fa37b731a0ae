"""Secrets shared by every host (SECRET_KEY, POSTIZ_ENCRYPTION_KEYS): generated under var/
only for the embedded, single-machine server; with any other DATABASE_URL a missing one
stops the start with a message saying how to make it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from cryptography.fernet import Fernet
from django.conf import settings

from postiz.database import EmbeddedPostgres

ROOT = Path(settings.BASE_DIR)
REMOTE = "postgres://postiz:secret@db.example.internal:5432/postiz"
PRINT = "import postiz.settings as s; print(s.SECRET_KEY[:4], len(s.POSTIZ_ENCRYPTION_KEYS))"


def _settings(var_dir: Path, **environ) -> subprocess.CompletedProcess:
    """Load the settings in a process of its own (not under pytest), with only ``environ``
    for the secrets and the database."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {"SECRET_KEY", "POSTIZ_ENCRYPTION_KEYS", "DATABASE_URL", "POSTIZ_DB_PREPARED"}
    }
    env.update(POSTIZ_VAR_DIR=str(var_dir), **environ)
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_with_a_database_url_a_missing_secret_stops_the_start_saying_how_to_make_it(tmp_path):
    started = _settings(tmp_path, DATABASE_URL=REMOTE)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "SECRET_KEY is not set" in started.stderr
    assert "POSTIZ_ENCRYPTION_KEYS is not set" in started.stderr
    assert "secrets.token_urlsafe(50)" in started.stderr and "urlsafe_b64encode" in started.stderr
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "encryption_key").exists()


def test_a_missing_key_is_named_alone_when_the_other_is_set(tmp_path):
    started = _settings(tmp_path, DATABASE_URL=REMOTE, SECRET_KEY="s" * 50)
    assert started.returncode != 0
    assert "POSTIZ_ENCRYPTION_KEYS is not set" in started.stderr
    assert "SECRET_KEY is not set" not in started.stderr


def test_the_message_points_at_a_key_this_host_generated_before(tmp_path):
    (tmp_path / "encryption_key").write_text(Fernet.generate_key().decode())
    started = _settings(tmp_path, DATABASE_URL=REMOTE, SECRET_KEY="s" * 50)
    assert started.returncode != 0
    assert f"This host generated one before, in {tmp_path / 'encryption_key'}" in started.stderr


def test_with_both_secrets_set_a_database_url_starts(tmp_path):
    key = Fernet.generate_key().decode()
    started = _settings(
        tmp_path, DATABASE_URL=REMOTE, SECRET_KEY="abcd" + "s" * 46, POSTIZ_ENCRYPTION_KEYS=key
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["abcd", "1"]


def test_the_embedded_server_of_this_machine_generates_its_secrets_under_var(tmp_path):
    # `make run` gives its processes the embedded server's socket as DATABASE_URL.
    started = _settings(tmp_path, DATABASE_URL=EmbeddedPostgres(tmp_path).url())
    assert started.returncode == 0, started.stderr
    assert (tmp_path / "secret_key").exists() and (tmp_path / "encryption_key").exists()
    again = _settings(tmp_path, DATABASE_URL=EmbeddedPostgres(tmp_path).url())
    assert again.stdout == started.stdout


def test_another_var_directorys_embedded_server_is_not_this_machines(tmp_path):
    other = EmbeddedPostgres(tmp_path / "other").url()
    started = _settings(tmp_path, DATABASE_URL=other)
    assert started.returncode != 0
    assert "SECRET_KEY is not set" in started.stderr


def test_an_encryption_key_that_is_not_a_fernet_key_stops_the_start(tmp_path):
    good = Fernet.generate_key().decode()
    started = _settings(
        tmp_path,
        DATABASE_URL=REMOTE,
        SECRET_KEY="s" * 50,
        POSTIZ_ENCRYPTION_KEYS=f"{good},not-a-key",
    )
    assert started.returncode != 0
    assert "POSTIZ_ENCRYPTION_KEYS: key 2 of 2 is not a Fernet key" in started.stderr


# -- docker compose --------------------------------------------------------------------------


def test_docker_compose_requires_the_shared_secrets_for_every_process():
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("SECRET_KEY", "POSTIZ_ENCRYPTION_KEYS"):
        assert re.search(rf"{name}: \$\{{{name}:\?[^}}]+\}}", text), name
    services = yaml.safe_load(text)["services"]
    for name in ("web", "worker", "migrate"):
        environment = services[name]["environment"]
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert environment["POSTIZ_ENCRYPTION_KEYS"].startswith("${POSTIZ_ENCRYPTION_KEYS:?")
    # The worker publishes and runs the jobs: `--scale worker=3` gives three of each.
    assert services["worker"]["command"] == "python manage.py worker"
    assert "publisher" not in services


def test_the_docker_images_build_step_loads_the_settings_without_a_real_secret(tmp_path):
    # The RUN that collects static files sets throwaway secrets; run its assignments.
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    (run,) = [line for line in text.splitlines() if line.startswith("RUN SECRET_KEY=")]
    assignments = run.removeprefix("RUN ").split("python manage.py collectstatic")[0]
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SECRET_KEY", "POSTIZ_ENCRYPTION_KEYS", "DATABASE_URL"}
    }
    env.update(POSTIZ_VAR_DIR=str(tmp_path), PATH=f"{Path(sys.executable).parent}:{env['PATH']}")
    built = subprocess.run(
        ["sh", "-c", f'{assignments} python -c "{PRINT}"'],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert built.stdout.split() == ["coll", "1"]

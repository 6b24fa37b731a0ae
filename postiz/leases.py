"""Leases: one holder at a time across the cluster for a named job, as rows (postiz.Lease).

A session-level advisory lock does not survive a pooler in transaction mode (each
transaction may run on another server connection, so the lock is taken on one and
released on another, or outlives its holder on a pooled connection). A lease is one row
claimed with a conditional upsert and an expiry on the database's clock: whoever finds it
free or expired takes it, its holder renews it while it works and gives it back when done,
and a holder that died lets go when the lease expires. Each call is one autocommitted
statement, so it holds nothing between calls.
"""

from __future__ import annotations

import secrets

from django.db import connection

_TAKE = """
    INSERT INTO postiz_lease (name, holder, expires_at)
    VALUES (%(name)s, %(holder)s, now() + make_interval(secs => %(seconds)s::float8))
    ON CONFLICT (name) DO UPDATE
        SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
        WHERE postiz_lease.expires_at <= now()
    RETURNING holder
"""


def lease_take(*, name: str, seconds: float) -> str | None:
    """Any process may call: takes the lease ``name`` for ``seconds`` if nobody holds it
    (or its holder's time ran out); returns the holder token to renew and give it back
    with, or None when someone else holds it."""
    holder = secrets.token_hex(16)
    with connection.cursor() as cursor:
        cursor.execute(_TAKE, {"name": name, "holder": holder, "seconds": seconds})
        taken = cursor.fetchone()
    return holder if taken else None


def lease_renew(*, name: str, holder: str, seconds: float) -> bool:
    """The holder only: its lease now ends ``seconds`` from now; False when it had
    already run out and someone else took it (the holder should stop)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE postiz_lease SET expires_at = now() + make_interval(secs => %s::float8) "
            "WHERE name = %s AND holder = %s",
            [seconds, name, holder],
        )
        return cursor.rowcount == 1


def lease_give(*, name: str, holder: str) -> None:
    """The holder only: the lease is free at once (nothing happens if it was taken over)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE postiz_lease SET expires_at = now() WHERE name = %s AND holder = %s",
            [name, holder],
        )

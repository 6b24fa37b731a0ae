"""Reading timestamps from PostgreSQL at the speed of psycopg's C parser.

Django reads ``timestamptz`` with a loader of its own (a Python subclass of psycopg's
pure-Python parser, so that every value carries Django's UTC). The C parser that
psycopg-binary ships cannot be subclassed, so that loader never uses it: a page of 200
posts spent 4 ms of its 18 ms parsing 600 timestamps (``bench/api.py``, profiled). This
loader hands the text to the C parser and gives the value Django's UTC, the same value
Django's loader gives. It carries the ``timezone`` attribute Django compares when it opens
a cursor: were Django to stop reading it, Django would put its own loader back, slower
but still right.
"""

from __future__ import annotations

from datetime import UTC

from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.pq import Format

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
# psycopg's own map resolves a loader to its C version when psycopg-binary is installed.
_FAST = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestampLoader(Loader):
    """``timestamptz`` text → aware datetime in UTC, parsed in C."""

    timezone = UTC  # what Django's cursor check compares with its connection's zone

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._parse = _FAST(oid, context).load

    def load(self, data):
        return self._parse(data).replace(tzinfo=UTC)


def use_fast_timestamps(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: on a PostgreSQL connection whose session zone is
    UTC (Django's, with ``USE_TZ``), timestamps are read by the C parser."""
    if connection.vendor != "postgresql" or connection.timezone_name != "UTC":
        return
    if _FAST.__module__.startswith("psycopg.types"):  # no C module: nothing to gain
        return
    connection.connection.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestampLoader)

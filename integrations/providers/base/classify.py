"""Error classification as data: each network writes a table, one function reads it.

An answer is first *read* into a ``Said`` by the network's reader, given the answer and
the phase it answers (its status, the network's error code and message, and whatever
else the table's messages quote; a network whose token endpoint speaks OAuth's error
shape and whose API speaks another reads the two apart by the phase).
``classify`` then walks the network's rows in order: the first row whose conditions all
hold gives the ``ProviderError``. What the rows leave out falls to ``GENERIC``, the
mapping by HTTP status every network shares. A failure below 400 that no row names (a
body field the table does not know) is not an error.

A row's conditions, all optional (a row with none names every failure):

- ``status``: an HTTP status, a tuple of them, or a range;
- ``code``: the network's error code (or how it reports it, Meta's ``code/subcode``),
  a tuple of them, ``SOME_CODE`` (whatever code it gave) or ``NO_CODE``;
- ``pattern``: a regular expression looked for, ignoring case, in the code, the network
  code and the message (for networks that answer in words only);
- ``phase``: the phase, or a tuple of phases, the row holds in;
- ``transient``: whether the network said the failure is temporary (Meta's flag).

Its outcome: ``kind`` (an ``ErrorKind``, or ``SERVER_FAULT``: the outcome is unknown on
the commit and the step is safe to retry before it), ``message`` (shown to people as
is, in the reader's language: an English template marked with ``gettext_noop``, kept as
a ``Text``), ``field`` (where the composer points), ``network_code`` and ``retry_after`` (a
number of seconds, or a function of the response and the ``Said``; a rate limit without
one waits what the body said, else what the headers say, else 60 s).

Messages, fields and network codes are templates: ``{name}`` (the channel kind's display
name), ``{network}`` (the network's name), ``{status}``, ``{code}``, ``{message}``,
``{detail}`` (": <message>" when the network said something, "." otherwise),
``{reported}`` (the network code reported, below) and the reader's own ``values``;
``{message|words}`` gives the words when the value is empty. The reported network code
is, unless the row says otherwise, the Said's ``network_code``, else its code, else the
status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import requests
from django.utils.translation import gettext_noop

from integrations.providers.base.errors import ErrorKind, Phase, ProviderError
from integrations.providers.base.http import (
    _connection_dropped_after_send,
    json_object,
    retry_after_seconds,
)
from organizations.texts import Text, fill

# Unknown on the commit (the post may be live), safe to retry before it.
SERVER_FAULT = "server_fault"


class _Codes:
    """A ``code`` condition that is not a list of codes."""

    def __init__(self, name: str, some: bool):
        self.name, self.some = name, some

    def __repr__(self):
        return self.name


SOME_CODE = _Codes("SOME_CODE", some=True)
NO_CODE = _Codes("NO_CODE", some=False)

Wait = float | Callable[[requests.Response, "Said"], float | None]


@dataclass(frozen=True)
class Said:
    """What an answer says about itself, as the network's reader found it."""

    status: int
    code: str = ""
    message: str = ""
    # How the network reports the error when that is not the code (Meta: "506/2207051").
    network_code: str = ""
    # None: a failure when the status is 400 or more or the body gave a code.
    failed: bool | None = None
    transient: bool = False
    # A wait the body gave (Discord's retry_after, Telegram's parameters, Reddit's words).
    retry_after: float | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    # The body when it is a JSON object, else None.
    body: dict | None = None

    @property
    def is_failure(self) -> bool:
        if self.failed is not None:
            return self.failed
        return self.status >= 400 or bool(self.code)


def read_status(response: requests.Response, phase: Phase) -> Said:
    """The reader of a network that says nothing beyond its status (in every phase)."""
    return Said(response.status_code, body=json_object(response, None))


@dataclass(frozen=True)
class Rule:
    """One row of an error table: conditions, then the error they mean."""

    kind: str
    message: str
    status: int | tuple[int, ...] | range | None = None
    code: str | int | tuple[str | int, ...] | _Codes | None = None
    pattern: str | None = None
    phase: Phase | tuple[Phase, ...] | None = None
    transient: bool | None = None
    field: str = ""
    network_code: str = ""
    retry_after: Wait | None = None

    def matches(self, phase: Phase, said: Said) -> bool:
        if self.status is not None and not _within(said.status, self.status):
            return False
        if self.phase is not None and not _within(phase, self.phase):
            return False
        if self.transient is not None and said.transient != self.transient:
            return False
        if self.code is not None and not _code_matches(self.code, said):
            return False
        return not self.pattern or bool(
            re.search(
                self.pattern, f"{said.code} {said.network_code} {said.message}", re.IGNORECASE
            )
        )

    def error(
        self, phase: Phase, said: Said, response: requests.Response, values: dict, excerpt: str
    ) -> ProviderError:
        kind = self.kind
        if kind == SERVER_FAULT:
            kind = (
                ErrorKind.UNKNOWN_OUTCOME
                if phase == Phase.COMMIT
                else ErrorKind.TRANSIENT_BEFORE_SEND
            )
        if callable(self.retry_after):
            wait = self.retry_after(response, said)
        elif self.retry_after is not None:
            wait = float(self.retry_after)
        elif kind == ErrorKind.RATE_LIMITED:
            wait = (
                said.retry_after if said.retry_after is not None else retry_after_seconds(response)
            )
        else:
            wait = None
        reported = said.network_code or said.code or str(said.status)
        return ProviderError(
            ErrorKind(kind),
            Text(self.message, braces=True, **values),
            retry_after=wait,
            network_code=fill(self.network_code, values) if self.network_code else reported,
            raw_excerpt=excerpt,
            field=fill(self.field, values),
        )


def after_headers(default: float) -> Wait:
    """Wait what the body said, else what the headers say, else ``default`` seconds."""

    def wait(response: requests.Response, said: Said) -> float | None:
        if said.retry_after is not None:
            return said.retry_after
        return retry_after_seconds(response, default=default)

    return wait


def said_or(default: float) -> Wait:
    """Wait what the body said, else ``default`` seconds (never the headers)."""
    return lambda response, said: said.retry_after or default


# The mapping by HTTP status every network shares, after its own rows.
SIGN_IN_REFUSED = Rule(
    ErrorKind.AUTH_EXPIRED, gettext_noop("{name} refused our sign-in{detail}"), status=401
)
NOT_ALLOWED = Rule(
    ErrorKind.PERMISSION_DENIED,
    gettext_noop("{name} does not allow this for the connected account{detail}"),
    status=403,
)
TARGET_MISSING = Rule(
    ErrorKind.NOT_FOUND, gettext_noop("{name} could not find the target{detail}"), status=404
)
SLOW_DOWN = Rule(
    ErrorKind.RATE_LIMITED,
    gettext_noop("{name} asked us to slow down; we will try again later."),
    status=429,
    retry_after=lambda response, said: retry_after_seconds(response),
)
SERVER_ERROR = Rule(
    SERVER_FAULT, gettext_noop("{name} had a server error ({status})."), status=range(500, 1000)
)
REJECTED = Rule(
    ErrorKind.CONTENT_REJECTED,
    gettext_noop("{name} rejected the post{detail}"),
    status=range(400, 500),
)
GENERIC = (SIGN_IN_REFUSED, NOT_ALLOWED, TARGET_MISSING, SLOW_DOWN, SERVER_ERROR, REJECTED)


@dataclass(frozen=True)
class ErrorTable:
    """A network's error table: its reader, its rows in order, and whether a success on
    the commit must carry a JSON object (an unreadable one, or a redirect, may hide a
    live post), but for the statuses that answer with nothing to read (``bodiless``)."""

    rows: tuple[Rule, ...] = ()
    read: Callable[[requests.Response, Phase], Said] = read_status
    commit_needs_body: bool = False
    bodiless: tuple[int, ...] = ()


def classify(
    table: ErrorTable,
    phase: Phase,
    response: requests.Response,
    *,
    name: str,
    network: str = "",
    redact: Callable[[str], str] = str,
) -> ProviderError | None:
    """None when the answer is a success; otherwise the error the table's first matching
    row (or the generic mapping by status) gives."""
    said = table.read(response, phase)
    excerpt = redact(response.text[:500])
    network = network or name
    if not said.is_failure:
        unreadable = said.body is None and response.status_code not in table.bodiless
        if table.commit_needs_body and phase == Phase.COMMIT and unreadable:
            return ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "%(network)s answered the post with something unreadable; it may be live."
                    ),
                    network=network,
                ),
                network_code=str(response.status_code),
                raw_excerpt=excerpt,
            )
        return None
    values = {
        "name": name,
        "network": network,
        "status": str(said.status),
        "code": said.code,
        "message": said.message,
        "detail": f": {said.message}" if said.message else ".",
        "reported": said.network_code or said.code or str(said.status),
        **said.values,
    }
    for row in (*table.rows, *GENERIC):
        if row.matches(phase, said):
            return row.error(phase, said, response, values, excerpt)
    return None


def classify_exception(phase: Phase, exc: Exception, name: str) -> ProviderError:
    """Transport failures: before sending is safe to retry; after, on a commit, unknown."""
    sent = not isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError) and (
        isinstance(exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError)
        or _connection_dropped_after_send(exc)
    )
    if sent and phase == Phase.COMMIT:
        return ProviderError(
            ErrorKind.UNKNOWN_OUTCOME,
            Text(
                gettext_noop(
                    "%(network)s did not answer after the post was sent; it may or may not be live."
                ),
                network=name,
            ),
            raw_excerpt=type(exc).__name__,
        )
    return ProviderError(
        ErrorKind.TRANSIENT_BEFORE_SEND,
        Text(gettext_noop("Could not reach %(network)s; we will try again."), network=name),
        raw_excerpt=type(exc).__name__,
    )


def _within(value, spec) -> bool:
    if isinstance(spec, tuple | range | frozenset | set):
        return value in spec
    return value == spec


def _code_matches(spec, said: Said) -> bool:
    if isinstance(spec, _Codes):
        return bool(said.code) == spec.some
    codes = spec if isinstance(spec, tuple) else (spec,)
    names = {said.code, said.network_code} - {""}
    return any(str(code) in names for code in codes)


def read_json(response: requests.Response, phase: Phase, name: str) -> dict:
    """The body as a JSON object; an unreadable one means the outcome is unknown on a
    commit (the post may be live) and is safe to retry in every other phase."""
    data = json_object(response, None)
    if data is None:
        kind = (
            ErrorKind.UNKNOWN_OUTCOME if phase == Phase.COMMIT else ErrorKind.TRANSIENT_BEFORE_SEND
        )
        raise ProviderError(
            kind,
            Text(gettext_noop("%(network)s sent an answer we could not read."), network=name),
            raw_excerpt=response.text,
        )
    return data

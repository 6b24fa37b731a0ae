"""One fake network per test, on the local HTTP server: routes by method and path, keeps
every request it was sent, and answers with the networks' recorded responses.

``FakeNetwork(httpserver)`` catches every path; ``fake.on("POST", r"/api/v1/statuses",
answer, ...)`` answers the first call with the first answer, the next with the next, and
repeats the last one (declaring the route again replaces its answers; where two routes
match, the one declared last answers). An answer is a
werkzeug Response or ``f(call) -> Response``. A path nobody declared answers 404 and is
listed in ``fake.unrouted``, so a test can say that nothing unexpected was called.
``fake.before(method, pattern, hook)`` runs ``hook(call)`` when such a request arrives,
before it is answered (a test kills the worker that sent it there).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug import Response

PROVIDER_TESTS = Path(__file__).resolve().parents[2] / "providers"


@dataclass
class Call:
    method: str
    path: str
    args: dict
    headers: dict
    form: dict
    raw: bytes
    files: dict = field(default_factory=dict)
    # Every value of a repeated parameter (``args`` keeps the first): id[]=1&id[]=2.
    multi: dict = field(default_factory=dict)

    @property
    def json(self):
        try:
            return json.loads(self.raw)
        except ValueError:
            return None


Answer = Response | Callable[[Call], Response]


class FakeNetwork:
    def __init__(self, httpserver):
        self.origin = httpserver.url_for("").rstrip("/")
        self.calls: list[Call] = []
        self.unrouted: list[Call] = []
        self._routes: list[tuple[str, re.Pattern, list[Answer]]] = []
        self._hooks: list[tuple[str, re.Pattern, Callable[[Call], None]]] = []
        self._lock = threading.Lock()
        httpserver.expect_request(re.compile(r".*")).respond_with_handler(self._handle)

    def on(self, method: str, pattern: str, *answers: Answer) -> FakeNetwork:
        """Declare a route's answers; declaring the same route again replaces them."""
        regex = re.compile(pattern + r"$")
        self._routes = [r for r in self._routes if (r[0], r[1]) != (method, regex)]
        self._routes.append((method, regex, list(answers)))
        return self

    def before(self, method: str, pattern: str, hook: Callable[[Call], None]) -> FakeNetwork:
        """Run ``hook(call)`` on each matching request after it arrived, before the answer."""
        self._hooks.append((method, re.compile(pattern + r"$"), hook))
        return self

    def sent(self, method: str, pattern: str) -> list[Call]:
        """The calls that reached ``method pattern``, in order."""
        regex = re.compile(pattern + r"$")
        return [c for c in self.calls if c.method == method and regex.match(c.path)]

    def _handle(self, request) -> Response:
        raw = request.get_data(cache=True)
        call = Call(
            method=request.method,
            path=request.path,
            args=request.args.to_dict(),
            headers=dict(request.headers),
            form=request.form.to_dict(),
            raw=raw,
            files={name: f.read() for name, f in request.files.items()},
            multi=request.args.to_dict(flat=False),
        )
        with self._lock:
            self.calls.append(call)
            # The latest declaration wins, so a test can narrow a network's general route.
            for method, regex, answers in reversed(self._routes):
                if method == call.method and regex.match(call.path):
                    answer = answers.pop(0) if len(answers) > 1 else answers[0]
                    break
            else:
                self.unrouted.append(call)
                return Response('{"error": "no such route on the fake"}', status=404)
        for method, regex, hook in self._hooks:
            if method == call.method and regex.match(call.path):
                hook(call)
        return answer if isinstance(answer, Response) else answer(call)


# -- Recorded responses -----------------------------------------------------------------
def recorded(network: str, name: str, **subst: str) -> dict:
    """A response recorded in tests/providers/<network>/fixtures: {status, headers, body}.
    ``{key}`` placeholders in it are filled from ``subst`` (the fake's origin, a key)."""
    text = (PROVIDER_TESTS / network / "fixtures" / f"{name}.json").read_text()
    for key, value in subst.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


def as_response(data: dict) -> Response:
    body = data.get("body", "")
    if not isinstance(body, str):
        body = json.dumps(body)
    headers = {"Content-Type": "application/json", **data.get("headers", {})}
    return Response(body, status=data.get("status", 200), headers=headers)


def answer(
    network: str, name: str, edit: Callable[[dict], None] | None = None, **subst
) -> Response:
    """A recorded response, optionally edited (``edit(body)``) to tell two calls apart."""
    data = recorded(network, name, **subst)
    if edit is not None:
        edit(data["body"])
    return as_response(data)

"""A local OpenAI-compatible server for the AI writing help's tests (pytest-httpserver):
``POST /v1/chat/completions`` answered with the real streamed shapes (``data: {chunk}``
lines of ``chat.completion.chunk`` objects, then ``data: [DONE]``) or the real error body
``{"error": {"message", "type", "param", "code"}}``."""

from __future__ import annotations

import json
import threading
import time

from werkzeug import Request, Response

PATH = "/v1/chat/completions"
MODEL = "llama3.2"
KEY = "sk-test-0123456789abcdef"


def chunk(content: str | None, *, finish: str | None = None, index: int = 0) -> str:
    delta = {"content": content} if content is not None else {}
    if index == 0 and content is not None:
        delta = {"role": "assistant", **delta}
    body = {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1765000000,
        "model": MODEL,
        "system_fingerprint": "fp_ollama",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


def error_body(message: str, type_: str, code: str | None = None, param=None) -> str:
    return json.dumps({"error": {"message": message, "type": type_, "param": param, "code": code}})


class FakeAI:
    """Records each request's JSON body; answers with ``pieces`` streamed, ``pause``
    seconds apart, unless an error response is set."""

    def __init__(self, httpserver):
        self.server = httpserver
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.pieces: list[str] = ["Hello", " from", " the", " fake", " model."]
        self.pause = 0.0
        self.sent = 0
        self.closed_early = threading.Event()
        self.error: tuple[int, str] | None = None
        self.raw_lines: list[str] | None = None
        httpserver.expect_request(PATH, method="POST").respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/v1").rstrip("/")

    def handle(self, request: Request) -> Response:
        self.requests.append(json.loads(request.get_data()))
        self.headers.append(dict(request.headers))
        if self.error is not None:
            status, body = self.error
            return Response(body, status=status, content_type="application/json")
        return Response(self._stream(), content_type="text/event-stream")

    def _stream(self):
        finished = False
        try:
            if self.raw_lines is not None:
                yield from self.raw_lines
                finished = True
                return
            for index, piece in enumerate(self.pieces):
                if self.pause and index:  # the headers go out with the first piece
                    time.sleep(self.pause)
                yield chunk(piece, index=index)
                self.sent += 1
            yield chunk(None, finish="stop")
            yield "data: [DONE]\n\n"
            finished = True
        finally:
            if not finished:
                self.closed_early.set()

    def messages(self, n: int = -1) -> list[dict]:
        return self.requests[n]["messages"]

    def prompt(self, n: int = -1) -> str:
        content = self.messages(n)[-1]["content"]
        if isinstance(content, list):
            return " ".join(part.get("text", "") for part in content)
        return content

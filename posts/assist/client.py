"""The one connection of the AI writing help: ``POST {AI_BASE_URL}/chat/completions`` with
``stream: true`` on an OpenAI-compatible server (OpenAI, Ollama, vLLM, LiteLLM...), read as
Server-Sent Events (``data: {chunk}`` lines, then ``data: [DONE]``).

The address is the operator's, not a person's, so it may well be a private host (a local
Ollama); still, a redirect is never followed: the key would go wherever it points. Errors
become ``AssistError`` with words a person can act on; the key never appears in them or in
the logs, and neither do prompts.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger("postiz.assist")

CONNECT_TIMEOUT = 5.0
# Seconds to wait for the next chunk: a local model on a CPU may think a while before its
# first word, but a server that stops sending mid-answer is given up on.
READ_TIMEOUT = 20.0
# A suggestion streams inside one web request, and gunicorn's sync workers are stopped
# after 30 s on one request: give up first, with words, rather than be cut off.
TOTAL_SECONDS = 25.0


class AssistError(Exception):
    """The AI server could not give a suggestion; ``message`` says why for a person."""

    def __init__(self, message: str, *, status: int | None = None, kind: str = "error"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.kind = kind


def _scrub(text: str) -> str:
    """An upstream message, without the key (OpenAI quotes part of a wrong one) and short."""
    text = " ".join(str(text or "").split())
    key = settings.AI_API_KEY
    if key:
        text = text.replace(key, "[key]")
    return text[:300]


def _upstream_error(body: bytes) -> tuple[str, str, str]:
    """(message, type, code) from the OpenAI error shape ``{"error": {...}}``, or from a
    plain ``{"error": "..."}`` some servers send."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return "", "", ""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return (
            _scrub(error.get("message") or ""),
            str(error.get("type") or ""),
            str(error.get("code") or ""),
        )
    if isinstance(error, str):
        return _scrub(error), "", ""
    return "", "", ""


_VISION_WORDS = ("image", "vision", "multimodal", "multi-modal", "image_url")


def classify(status: int, body: bytes, *, with_images: bool = False) -> AssistError:
    """The person's explanation of an error answer from the AI server."""
    message, kind, code = _upstream_error(body)
    lowered = f"{message} {kind} {code}".lower()
    model = settings.AI_MODEL
    if (
        with_images
        and status in (400, 404, 415, 422, 500)
        and any(word in lowered for word in _VISION_WORDS)
    ):
        return AssistError(
            _(
                "The AI model (%(model)s) does not accept images, so it cannot describe "
                "this one. Tell your administrator: AI_MODEL must name a vision model to "
                "write alt text."
            )
            % {"model": model},
            status=status,
            kind="no_vision",
        )
    if status in (401, 403):
        # The upstream message may quote part of the key: it is not repeated.
        return AssistError(
            _(
                "The AI server refused the API key. Tell your administrator: AI_API_KEY is "
                "missing or wrong."
            ),
            status=status,
            kind="auth",
        )
    if status == 404:
        if "model" in lowered:
            return AssistError(
                _(
                    "The AI server does not know the model %(model)s. Tell your "
                    "administrator: AI_MODEL must name a model the server has (for Ollama, "
                    "one that `ollama pull` fetched)."
                )
                % {"model": model},
                status=status,
                kind="model",
            )
        return AssistError(
            _(
                "The AI server has no chat completions at this address. Tell your "
                "administrator: AI_BASE_URL should end in /v1 (for example "
                "http://localhost:11434/v1)."
            ),
            status=status,
            kind="endpoint",
        )
    if status == 429:
        if "quota" in lowered or "billing" in lowered:
            return AssistError(
                _("The AI account has used up its quota. Tell your administrator."),
                status=status,
                kind="quota",
            )
        return AssistError(
            _("The AI server is busy right now. Try again in a minute."),
            status=status,
            kind="busy",
        )
    if status >= 500:
        return AssistError(
            _("The AI server had a problem (error %(status)s). Try again in a moment.")
            % {"status": status},
            status=status,
            kind="server",
        )
    if message:
        text = _("The AI server refused the request (error %(status)s): %(message)s.") % {
            "status": status,
            "message": message,
        }
    else:
        text = _("The AI server refused the request (error %(status)s).") % {"status": status}
    return AssistError(
        text,
        status=status,
        kind="refused",
    )


def _lines(response: requests.Response, started: float) -> Iterator[str]:
    """The body's lines as they arrive. ``read1`` hands over whatever the server has sent
    so far, chunked or not; requests' iter_content would wait for the whole body of a
    server that streams without chunked encoding (HTTP/1.0 style)."""
    pending = b""
    while chunk := response.raw.read1(65536, decode_content=True):
        if time.monotonic() - started > TOTAL_SECONDS:
            raise AssistError(
                _("The AI server took too long to finish. Try a shorter text or try again."),
                kind="timeout",
            )
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.rstrip(b"\r").decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


def _chunk_text(data: dict) -> tuple[str, str | None]:
    """(text, finish_reason) of one ``chat.completion.chunk``."""
    if "error" in data:
        message, _kind, _code = _upstream_error(json.dumps(data).encode())
        raise AssistError(
            _("The AI server stopped with an error: %(message)s.")
            % {"message": message or _("no reason given")},
            kind="stream",
        )
    choices = data.get("choices") or []
    if not choices:
        return "", None
    choice = choices[0] or {}
    delta = choice.get("delta") or choice.get("message") or {}
    content = delta.get("content") or ""
    if not isinstance(content, str):
        content = ""
    return content, choice.get("finish_reason")


def stream_chat(
    messages: list[dict], *, max_tokens: int = 800, with_images: bool = False
) -> Iterator[str]:
    """Yield the answer's text piece by piece; raises AssistError. Closing the generator
    (the person cancelled, the browser went away) closes the connection to the server, so
    nothing more is read or generated for nobody."""
    url = f"{settings.AI_BASE_URL}/chat/completions"
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if settings.AI_API_KEY:
        headers["Authorization"] = f"Bearer {settings.AI_API_KEY}"
    body = {
        "model": settings.AI_MODEL,
        "messages": messages,
        "stream": True,
        "max_tokens": max_tokens,
        "temperature": 0.7,
    }
    # For the logs: the host and port only (an address may carry user:password@).
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    started = time.monotonic()
    try:
        response = requests.post(
            url,
            json=body,
            headers=headers,
            stream=True,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
        )
    except requests.ConnectTimeout as error:
        logger.warning("AI server %s: connect timeout", host)
        raise AssistError(
            _(
                "The AI server did not answer. Try again later; if it lasts, tell your "
                "administrator."
            ),
            kind="unreachable",
        ) from error
    except requests.ConnectionError as error:
        logger.warning("AI server %s: cannot connect (%s)", host, type(error).__name__)
        raise AssistError(
            _(
                "The AI server cannot be reached (the connection was refused). Try again "
                "later; if it lasts, tell your administrator: is the server at AI_BASE_URL "
                "running?"
            ),
            kind="unreachable",
        ) from error
    except requests.Timeout as error:
        raise AssistError(
            _("The AI server took too long to answer. Try again."), kind="timeout"
        ) from error
    except requests.RequestException as error:
        logger.warning("AI server %s: %s", host, type(error).__name__)
        raise AssistError(
            _("The AI server cannot be reached. Tell your administrator."), kind="unreachable"
        ) from error
    try:
        yield from _read(response, host, started, with_images=with_images)
    finally:
        response.close()


def _read(response, host: str, started: float, *, with_images: bool) -> Iterator[str]:
    status = response.status_code
    if 300 <= status < 400:
        logger.warning("AI server %s answered a redirect (%s): not followed", host, status)
        raise AssistError(
            _(
                "The AI server answered with a redirect, which is not followed. Tell your "
                "administrator: AI_BASE_URL should be the server's own address, ending in /v1."
            ),
            status=status,
            kind="redirect",
        )
    if status >= 400:
        # Error bodies are small JSON; read at most 64 kB of one.
        body = response.raw.read(65536, decode_content=True) if response.raw else b""
        error = classify(status, body, with_images=with_images)
        logger.warning("AI server %s answered %s (%s)", host, status, error.kind)
        raise error
    content_type = response.headers.get("Content-Type", "")
    try:
        if "text/event-stream" not in content_type and "json" in content_type:
            # A server that ignores ``stream`` sends the whole completion at once.
            data = json.loads(response.content or b"{}")
            text, _finish = _chunk_text(data)
            if text:
                yield text
            return
        for line in _lines(response, started):
            if not line.startswith("data:"):
                continue  # comments (": keep-alive"), event names, blank separators
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            if not payload:
                continue
            text, finish = _chunk_text(json.loads(payload))
            if text:
                yield text
            if finish == "content_filter":
                raise AssistError(
                    _("The AI server's content filter stopped the suggestion."),
                    kind="filtered",
                )
    except ValueError as error:
        logger.warning("AI server %s sent a chunk that is not JSON", host)
        raise AssistError(
            _(
                "The AI server sent an answer that could not be read. Try again; if it "
                "lasts, tell your administrator: the server at AI_BASE_URL may not be "
                "OpenAI-compatible."
            ),
            kind="bad_json",
        ) from error
    except (requests.Timeout, urllib3.exceptions.ReadTimeoutError) as error:
        raise AssistError(
            _("The AI server stopped answering midway. Try again."), kind="timeout"
        ) from error
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        # A read timeout can surface wrapped (a ConnectionError, a bare socket timeout).
        if "timed out" in str(error).lower():
            raise AssistError(
                _("The AI server stopped answering midway. Try again."), kind="timeout"
            ) from error
        raise AssistError(
            _("The connection to the AI server broke midway. Try again."), kind="unreachable"
        ) from error

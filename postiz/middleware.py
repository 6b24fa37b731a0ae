"""Two answers every page and API give the same way, wherever the problem shows up.

- ``BadInputMiddleware``: a query string or form field holding text PostgreSQL cannot
  store (a NUL character) or that is not text (a lone surrogate) is refused with a 400
  naming the field, before any view puts it in a query. JSON bodies are checked where
  they are parsed (``postiz.parsers.JSONParser``, ``postiz.public_api.base.CompatJSONParser``).
- ``DatabaseUnavailableMiddleware``: when the database cannot be reached, a 503 saying
  the service is unavailable for a moment (JSON on the APIs, a short page elsewhere)
  instead of a 500 with a traceback. Nothing is kept: the next request connects afresh
  (CONN_HEALTH_CHECKS), so the site recovers by itself once the database is back.

Both answer in the shape of the surface asked: problem details on the native API (and
the other ``/api/`` views), the compatible API's own shapes under its prefixes, pages
elsewhere.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from postiz.http import DATABASE_DOWN, text_problem
from postiz.public_api.transport import is_compat_path, json_response, validation

RETRY_AFTER_SECONDS = 30


def _surface(request) -> str:
    path = request.path_info
    if is_compat_path(path):
        return "compat"
    if path.startswith("/api/"):
        return "native"
    return "page"


def _problem(status: int, title: str, detail: str, errors=()) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": list(errors),
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/problem+json"
    )


# -- Text that cannot be stored ----------------------------------------------------------
def _first_problem(query_dict) -> tuple[str, str] | None:
    for name, values in query_dict.lists():
        problem = text_problem(name)
        if problem:
            return "a parameter", f"has a name that {problem}"
        for value in values:
            problem = text_problem(value)
            if problem:
                return name, problem
    return None


def _refuse(request, field: str, why: str) -> HttpResponse:
    message = f"{field} {why}."
    surface = _surface(request)
    if surface == "compat":
        return validation([message])
    if surface == "native":
        return _problem(
            400,
            "Bad Request",
            "The request has errors; see errors.",
            [{"field": field, "code": "invalid", "message": message}],
        )
    if "NUL" in why:
        said = _(
            "The field “%(field)s” contains a NUL character (\\u0000), which cannot be "
            "stored; remove it."
        )
    else:
        said = _(
            "The field “%(field)s” contains an unpaired surrogate (such as \\ud800), which "
            "is not a character; send valid Unicode."
        )
    messages.error(request, said % {"field": field})
    return render(request, "400.html", status=400)


class BadInputMiddleware:
    """Refuses query strings (every request) and form fields (pages that take forms)
    holding text that cannot be stored, naming the field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = _first_problem(request.GET)
        if found:
            return _refuse(request, *found)
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        # Only the forms of pages: the APIs (csrf-exempt) read and check their own bodies,
        # some of them as a stream that must not be read here first.
        if request.method != "POST" or getattr(view, "csrf_exempt", False):
            return None
        found = _first_problem(request.POST)
        if found:
            return _refuse(request, *found)
        return None


# -- The database is down ---------------------------------------------------------------
def unavailable_response(request) -> HttpResponse:
    """The 503 of a request the database could not serve, in the shape of its surface."""
    text = "The service is unavailable for a moment; try again in a minute."
    surface = _surface(request)
    if surface == "compat":
        response = json_response({"statusCode": 503, "message": text}, 503)
    elif surface == "native":
        response = _problem(503, "Service Unavailable", text)
    else:
        # A page of its own: the site's layout reads the database (menus, notifications).
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_DOWN):
            return None
        # Django logs the 503 in one line; the traceback would be the same every time.
        return unavailable_response(request)

"""A reached plan limit, wherever a service raised it, answered the same way everywhere."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

from billing.limits import LimitReached

_API_PREFIXES = ("/api/", "/public/")


class LimitReachedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, LimitReached):
            return None
        path = request.path_info.lstrip("/")
        if any(("/" + path).startswith(prefix) for prefix in _API_PREFIXES):
            return JsonResponse(exception.api_body(), status=402)
        membership = getattr(request, "membership", None)
        context = {
            "limit": exception,
            "can_manage_billing": bool(membership and membership.can("billing.manage")),
        }
        if getattr(request, "htmx", False):
            # Added next to the page rather than replacing it, so what was typed stays.
            response = render(request, "billing/_limit_reached.html", context)
            response["HX-Retarget"] = "body"
            response["HX-Reswap"] = "beforeend"
            return response
        return render(request, "billing/limit_reached.html", context, status=402)

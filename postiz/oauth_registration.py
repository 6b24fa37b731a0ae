"""Dynamic client registration (RFC 7591, /oauth/register) with a limit per address.

Anyone may register an app (an MCP client registers itself before its user signs in), and
a person still approves every app on the consent page; but an address registering
hundreds would only fill the apps table, so each address may register
POSTIZ_OAUTH_REGISTRATIONS_PER_HOUR apps an hour, counted by every process alike
(``postiz.api.rate_hit``). Past it: 429 with Retry-After, in OAuth's error shape. Served
here, above organizations/urls_oauth.py (which names the route for the toolkit's metadata),
because the counters belong to the API layer.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as toolkit

from postiz.api import rate_hit
from postiz.http import client_ip

_register = toolkit.DynamicClientRegistrationView.as_view()


@csrf_exempt
def register(request, *args, **kwargs):
    if request.method == "POST":
        limit = settings.POSTIZ_OAUTH_REGISTRATIONS_PER_HOUR
        rate = rate_hit(
            f"oauth-register:{client_ip(request) or 'unknown'}", limit=limit, window_seconds=3600
        )
        if not rate.allowed:
            response = JsonResponse(
                {
                    "error": "slow_down",
                    "error_description": (
                        f"This address registered {limit} apps in the last hour; try again "
                        f"in {rate.reset} seconds."
                    ),
                },
                status=429,
            )
            response["Retry-After"] = str(max(rate.reset, 1))
            response["Cache-Control"] = "no-store"
            return response
    return _register(request, *args, **kwargs)

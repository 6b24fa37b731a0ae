"""The OpenAPI document (drf-spectacular) and the interactive docs page.

The docs page loads Swagger UI from our own static files (drf-spectacular-sidecar), so it
works offline and under a same-origin content security policy.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

schema = SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[])
docs = SpectacularSwaggerView.as_view(
    url_name="api_schema", authentication_classes=[], permission_classes=[]
)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "postiz.api.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from Settings → API keys (the raw key works too).",
        }


def only_documented_routes(endpoints, **kwargs):
    """Preprocessing hook: the native API without the optional trailing slash its routes
    accept; the session-only organization views are left out."""
    kept = []
    for path, path_regex, method, callback in endpoints:
        if "/o/{org_slug}/" in path or path.endswith("/organizations"):
            continue
        kept.append((path.rstrip("/") or "/", path_regex, method, callback))
    return kept

"""The OpenAPI document (drf-spectacular) and the interactive docs page.

The docs page loads Swagger UI from our own static files (drf-spectacular-sidecar), so it
works offline and under a same-origin content security policy.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# Both surfaces in one document, each from its DRF views and serializers.
DOCUMENT_SETTINGS = {
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "postiz.api_docs.describe_compat_tag",
    ],
}
schema = SpectacularAPIView.as_view(
    authentication_classes=[], permission_classes=[], custom_settings=DOCUMENT_SETTINGS
)
# /api/v1/openapi.json: JSON whatever the client accepts.
openapi_json = SpectacularAPIView.as_view(
    authentication_classes=[],
    permission_classes=[],
    custom_settings=DOCUMENT_SETTINGS,
    renderer_classes=[OpenApiJsonRenderer2, OpenApiJsonRenderer],
)
docs = SpectacularSwaggerView.as_view(
    url_name="native_openapi", authentication_classes=[], permission_classes=[]
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


class CompatKeyScheme(OpenApiAuthenticationExtension):
    target_class = "postiz.public_api.base.CompatKeyAuthentication"
    name = "compatKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The raw API key, no scheme (a leading `Bearer ` is tolerated).",
        }


def only_documented_routes(endpoints, **kwargs):
    """Preprocessing hook: both surfaces without the optional trailing slash their routes
    accept; the compatible surface once (not again under its /api/public/v1 alias), its
    ids named as its contract names them; the session-only organization views are left
    out."""
    kept = []
    for path, path_regex, method, callback in endpoints:
        if "/o/{org_slug}/" in path or path.endswith("/organizations"):
            continue
        if path.startswith("/api/public/v1/"):
            continue
        if path.startswith("/public/v1/"):
            path = path.replace("{public_id}", "{id}")  # the contract's name for it
            path_regex = path_regex.replace("(?P<public_id>", "(?P<id>")
        kept.append((path.rstrip("/") or "/", path_regex, method, callback))
    return kept


def describe_compat_tag(result, generator, request, public):
    """Postprocessing hook: what the compatible surface's tag is for."""
    from postiz.public_api.base import TAG

    result.setdefault("tags", []).append(
        {
            "name": TAG,
            "description": "The Postiz-compatible surface, for existing Postiz clients "
            "(also under /api/public/v1). Every POST answers 201, every other method 200.",
        }
    )
    return result

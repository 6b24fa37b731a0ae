"""The OpenAPI document (drf-spectacular) and the interactive docs page.

The docs page loads Swagger UI from our own static files (drf-spectacular-sidecar), so it
works offline and under a same-origin content security policy.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

# Both surfaces in one document: the native API from its serializers, the compatible one
# from its route table (its views are not DRF views).
DOCUMENT_SETTINGS = {
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "postiz.public_api.openapi.add_compat_routes",
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


def only_documented_routes(endpoints, **kwargs):
    """Preprocessing hook: the native API without the optional trailing slash its routes
    accept; the session-only organization views are left out."""
    kept = []
    for path, path_regex, method, callback in endpoints:
        if "/o/{org_slug}/" in path or path.endswith("/organizations"):
            continue
        kept.append((path.rstrip("/") or "/", path_regex, method, callback))
    return kept

"""The OpenAPI document (drf-spectacular) and the interactive docs page.

The docs page loads Swagger UI from our own static files (drf-spectacular-sidecar), so it
works offline and under a same-origin content security policy.
"""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

schema = SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[])
docs = SpectacularSwaggerView.as_view(
    url_name="api_schema", authentication_classes=[], permission_classes=[]
)

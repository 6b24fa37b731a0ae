from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

from postiz import api_docs, oauth_registration, views
from postiz.health import health
from postiz.mcp_server.views import mcp_endpoint
from posts.links.views import follow as short_link_follow

# Everything that belongs to one organization lives under /o/<org_slug>/.
organization_patterns = [
    path("", include("organizations.urls")),
    path("", include("posts.urls")),
    path("channels/", include("integrations.urls")),
    path("media/", include("media.urls")),
    path("billing/", include("billing.urls")),  # 404 on self-hosted instances
]

urlpatterns = [
    path("", views.home, name="home"),
    path("health", health, name="health"),
    # Built-in short links: public, counted, no trailing slash (they are typed and shared).
    path("l/<str:code>", short_link_follow, name="short_link"),
    path("admin/", admin.site.urls),
    # The interface's language: set_language (a person not signed in, or before saving
    # a profile) and the scripts' strings in the active language.
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "i18n/catalog.js",
        # Changes only with a release: cached an hour per language (the cache keys carry the
        # active language; pages ask for it with ?l=<language> so browsers keep one each).
        cache_page(3600)(JavaScriptCatalog.as_view()),
        name="javascript_catalog",
    ),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("organizations.urls_global")),
    # Before the OAuth routes: registration with a limit per address (same path).
    re_path(r"^oauth/register/?$", oauth_registration.register),
    path("", include("organizations.urls_oauth")),  # OAuth 2 endpoints and metadata
    path("", include("integrations.urls_global")),
    path("o/<slug:org_slug>/", include(organization_patterns)),
    path("", include("posts.urls_public")),  # preview links and the client portal
    path("api/v1/", include("postiz.api_urls")),
    # -- API: the Postiz-compatible surface (two prefixes) and the OpenAPI document/docs
    path("public/v1/", include("postiz.public_api.urls")),
    path("api/public/v1/", include("postiz.public_api.urls")),
    path("api/schema", api_docs.schema, name="api_schema"),
    path("api/docs", api_docs.docs, name="api_docs"),
    path("", include("billing.urls_global")),  # Stripe's webhook
    path("mcp", mcp_endpoint, name="mcp"),  # -- Agents (MCP)
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler429 = "postiz.views.too_many_requests"

"""The OAuth 2 endpoints at the site's root, under the toolkit's namespace (its views and
metadata find each other by these names)."""

from django.urls import path, re_path
from oauth2_provider import views as toolkit

from organizations import views_oauth

app_name = "oauth2_provider"

# No trailing slash (clients build these from the metadata), but one is tolerated.
urlpatterns = [
    re_path(
        r"^\.well-known/oauth-authorization-server/?$",
        toolkit.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    re_path(
        r"^\.well-known/oauth-protected-resource/?$",
        views_oauth.resource_metadata,
        name="oauth-resource-metadata",
    ),
    path(
        ".well-known/oauth-protected-resource/<path:resource_path>",
        views_oauth.resource_metadata,
        name="oauth-resource-metadata-path",
    ),
    re_path(r"^oauth/authorize/?$", views_oauth.consent, name="authorize"),
    re_path(r"^oauth/token/?$", toolkit.TokenView.as_view(), name="token"),
    re_path(r"^oauth/revoke/?$", toolkit.RevokeTokenView.as_view(), name="revoke-token"),
    re_path(
        r"^oauth/register/?$",
        toolkit.DynamicClientRegistrationView.as_view(),
        name="dcr-register",
    ),
    path(
        "oauth/register/<str:client_id>",
        toolkit.DynamicClientRegistrationManagementView.as_view(),
        name="dcr-register-management",
    ),
]

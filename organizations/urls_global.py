"""Organization pages that are not inside one organization."""

from django.urls import path

from organizations import views, views_oauth

urlpatterns = [
    path("o/new/", views.organization_create, name="organization_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("accounts/apps/", views_oauth.approved_apps, name="oauth_approved_apps"),
    path(
        "accounts/apps/<int:grant_id>/revoke/",
        views_oauth.approved_app_revoke,
        name="oauth_approved_app_revoke",
    ),
    # The Postiz CLI's sign-in: `postiz auth:login --auth-server <site>/oauth/cli`.
    path("oauth/cli/device/code", views_oauth.cli_device_code, name="oauth_cli_device_code"),
    path("oauth/cli/device/token", views_oauth.cli_device_token, name="oauth_cli_device_token"),
    path("oauth/cli/device", views_oauth.cli_device, name="oauth_cli_device"),
]

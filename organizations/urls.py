"""Pages of one organization, under /o/<org_slug>/."""

from django.urls import path

from organizations import views, views_apikeys, views_oauth

app_name = "organizations"

urlpatterns = [
    path("settings/", views.settings_general, name="settings"),
    path("settings/delete/", views.organization_delete, name="delete"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("settings/leave/", views.leave, name="leave"),
    path("settings/invitations/", views.invitations, name="invitations"),
    path(
        "settings/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/audit/", views.audit_log, name="audit"),
    # -- API keys
    path("settings/api-keys/", views_apikeys.api_keys, name="apikeys"),
    path(
        "settings/api-keys/<int:key_id>/revoke/",
        views_apikeys.api_key_revoke,
        name="apikey_revoke",
    ),
    # -- OAuth apps
    path("settings/oauth-apps/", views_oauth.apps, name="oauth_apps"),
    path(
        "settings/oauth-apps/<int:client_id>/rename/",
        views_oauth.app_rename,
        name="oauth_app_rename",
    ),
    path(
        "settings/oauth-apps/<int:client_id>/delete/",
        views_oauth.app_delete,
        name="oauth_app_delete",
    ),
    path(
        "settings/oauth-apps/grants/<int:grant_id>/revoke/",
        views_oauth.grant_revoke,
        name="oauth_grant_revoke",
    ),
]

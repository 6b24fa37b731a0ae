"""OAuth 2 for third-party apps, on django-oauth-toolkit.

A person approves an app on the consent page for one organization they belong to; that
consent is an ``ApiKey`` row with ``oauth_application`` set (its organization, its member,
its scopes), so the API handles an app's requests exactly as a key's: the same tenant,
the same customer limitation, the same rate buckets and idempotency records. The
toolkit's authorization codes, access tokens and refresh tokens are each bound to that row
(``OAuthBinding``) by the validator below; a token whose consent is revoked, whose member
left, or whose organization is deleted is refused.

The toolkit stores only SHA-256 checksums of access and refresh tokens
(``COMPLIANT_BCP_RFC9700_TOKEN_STORAGE``) and hashes client secrets.
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, Application, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from organizations.models import (
    ALL_SCOPES,
    CLIENT_SCOPES,
    OAUTH_SCOPE_PERMISSIONS,
    ApiKey,
    ApiScope,
    Membership,
    OAuthBinding,
    OAuthClient,
    Organization,
)
from organizations.services import audit_record

ACCESS_TOKEN_PREFIX = "pos_"  # noqa: S105 (a prefix, not a secret)
REFRESH_TOKEN_PREFIX = "posr_"  # noqa: S105
# What the API keys' list and the audit log show for a consent's row.
GRANT_PREFIX = "pos_oauth"


# -- The toolkit's hooks (named in settings.OAUTH2_PROVIDER) ---------------------------
class ApiKeyScopes(BaseScopes):
    """The API keys' scopes, in the words the API keys page uses."""

    def get_all_scopes(self):
        return {scope.value: scope.label for scope in ApiScope}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return list(ALL_SCOPES)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # An app that asks for nothing gets what Postiz clients need (as new API keys do).
        return list(CLIENT_SCOPES)


def new_access_token(request) -> str:
    return ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_refresh_token(request) -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


class GrantBindingValidator(OAuth2Validator):
    """The toolkit's validator, binding every code and token to the consent it comes from
    (``request.postiz_grant_id``, set by the consent page or read back from the code or
    refresh token presented), and refusing codes and refresh tokens of revoked consents."""

    def _create_authorization_code(self, request, code, expires=None):
        grant_id = getattr(request, "postiz_grant_id", None)
        if grant_id is None:
            # Only an approval on the consent page makes a code (it names the consent); the
            # toolkit's shortcuts past the page (skip_authorization, approval_prompt=auto)
            # end here instead.
            raise oauth_errors.AccessDeniedError(
                description="Approve the app on the consent page.", request=request
            )
        grant = super()._create_authorization_code(request, code, expires)
        OAuthBinding.objects.create(api_key_id=grant_id, grant=grant)
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        binding = (
            OAuthBinding.objects.filter(grant__code=code, grant__application=client)
            .select_related("api_key")
            .first()
        )
        if binding is None or not _grant_usable(binding.api_key):
            return False
        request.postiz_grant_id = binding.api_key_id
        return True

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        instance = getattr(request, "refresh_token_instance", None)
        binding = (
            OAuthBinding.objects.filter(refresh_token=instance).select_related("api_key").first()
        )
        if binding is None or not _grant_usable(binding.api_key):
            return False
        request.postiz_grant_id = binding.api_key_id
        return True

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        grant_id = getattr(request, "postiz_grant_id", None)
        if grant_id is not None:
            OAuthBinding.objects.create(api_key_id=grant_id, access_token=access_token)
            grant = ApiKey.objects.select_related("organization").get(pk=grant_id)
            audit_record(
                action="oauth.token_issued",
                actor=grant.created_by,
                organization=grant.organization,
                target=grant,
                details={
                    "app": access_token.application.name,
                    "grant_type": getattr(request, "grant_type", "") or "",
                    "scopes": token.get("scope", "").split(),
                },
            )
        return access_token

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous):
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous
        )
        grant_id = getattr(request, "postiz_grant_id", None)
        if grant_id is not None:
            OAuthBinding.objects.create(api_key_id=grant_id, refresh_token=refresh_token)
        return refresh_token


def _grant_usable(grant: ApiKey) -> bool:
    return grant.revoked_at is None and grant.membership_id is not None


# -- Reading ---------------------------------------------------------------------------
def oauth_token_authenticate(*, raw_token: str, related: tuple[str, ...] = ()) -> ApiKey | None:
    """The API authentication may call this; the consent a ``pos_`` access token acts
    under, or None (unknown, expired, revoked, its member gone, its organization deleted),
    never saying which. One query; nothing cached, so a revocation holds at once."""
    if len(raw_token) > 200 or not raw_token.startswith(ACCESS_TOKEN_PREFIX):
        return None
    checksum = hashlib.sha256(raw_token.encode()).hexdigest()
    path = "postiz_binding__api_key"
    token = (
        AccessToken.objects.select_related(
            "application",
            f"{path}__organization",
            f"{path}__membership",
            *(f"{path}__{name}" for name in related),
        )
        .filter(token_checksum=checksum)
        .first()
    )
    if token is None or token.expires <= timezone.now():
        return None
    binding = getattr(token, "postiz_binding", None)
    if binding is None:
        return None
    grant = binding.api_key
    if not _grant_usable(grant) or grant.organization.deleted_at is not None:
        return None
    # The member the app acts as must still be the person who approved it.
    if grant.membership.user_id != grant.created_by_id:
        return None
    grant.oauth_application = token.application
    return grant


def grants_of_user(*, user):
    """A person's consents to apps (their "Approved apps"), newest first."""
    return (
        ApiKey.objects.filter(
            created_by=user,
            oauth_application__isnull=False,
            revoked_at__isnull=True,
            organization__deleted_at__isnull=True,
        )
        .select_related("organization", "oauth_application")
        .order_by("-created_at", "-id")
    )


def grants_of_organization(*, organization: Organization):
    """The apps with access to the organization, with the person each acts as; a member
    limited to customers sees only their own (the others reach beyond their customers)."""
    grants = (
        ApiKey.objects.filter(
            organization=organization, oauth_application__isnull=False, revoked_at__isnull=True
        )
        .select_related("oauth_application", "created_by")
        .order_by("-created_at", "-id")
    )
    acting = getattr(organization, "acting_membership", None)
    if acting is not None and acting.customer_limited:
        grants = grants.filter(membership=acting)
    return grants


def clients_of_organization(*, organization: Organization):
    """The apps the organization registered on its settings page; a member limited to
    customers sees only those they registered (deleting one ends every member's access)."""
    clients = OAuthClient.objects.filter(organization=organization).select_related("application")
    acting = getattr(organization, "acting_membership", None)
    if acting is not None and acting.customer_limited:
        clients = clients.filter(created_by=acting.user)
    return clients


def client_of_organization(*, organization: Organization, pk) -> OAuthClient | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return clients_of_organization(organization=organization).filter(pk=pk).first()


def scopes_for(*, membership: Membership, requested) -> tuple[list[str], list[str]]:
    """The requested scopes split into what the member's role lets an app use on their
    behalf and what it does not."""
    allowed, refused = [], []
    for scope in requested:
        permission = OAUTH_SCOPE_PERMISSIONS.get(scope)
        (allowed if permission and membership.can(permission) else refused).append(scope)
    return allowed, refused


def is_verified(application: Application) -> bool:
    """Registered on a settings page, or approved by a person once (self-registered)."""
    client = getattr(application, "postiz_client", None)
    if client is None:
        return application.registration_source != Application.RegistrationSource.DCR
    return client.organization_id is not None or client.first_approved_at is not None


def redirect_host(redirect_uri: str) -> str:
    return urlsplit(redirect_uri or "").netloc or redirect_uri


# -- Writing ---------------------------------------------------------------------------
@transaction.atomic
def oauth_grant_approve(*, application: Application, membership: Membership, scopes, request=None):
    """The consent page only, for the signed-in person's own membership; returns the
    consent (reused for the same app and member, its scopes replaced), audited."""
    allowed, _refused = scopes_for(membership=membership, requested=scopes)
    if not allowed:
        raise ValidationError(_("Your role lets this app do none of what it asks."))
    grant = (
        ApiKey.objects.select_for_update()
        .filter(oauth_application=application, membership=membership, revoked_at__isnull=True)
        .first()
    )
    if grant is None:
        grant = ApiKey.objects.create(
            organization=membership.organization,
            name=f"OAuth app {application.name or application.client_id}"[:100],
            prefix=GRANT_PREFIX,
            # No secret belongs to this row (the app holds tokens): a random value that no
            # key's digest can equal keeps the column unique and matches nothing.
            key_hash=secrets.token_hex(32),
            scopes=allowed,
            created_by=membership.user,
            membership=membership,
            oauth_application=application,
        )
    else:
        grant.scopes = allowed
        grant.save(update_fields=["scopes"])
    client, _created = OAuthClient.objects.get_or_create(application=application)
    if client.first_approved_at is None:
        client.first_approved_at = timezone.now()
        client.save(update_fields=["first_approved_at"])
    audit_record(
        action="oauth.granted",
        actor=membership.user,
        organization=membership.organization,
        target=grant,
        details={"app": application.name, "client_id": application.client_id, "scopes": allowed},
        request=request,
    )
    return grant


@transaction.atomic
def oauth_grant_revoke(*, grant: ApiKey, actor, request=None) -> bool:
    """The person who approved it, the organization's apikeys.manage holders, or a member's
    departure: the app's access and refresh tokens stop working now, audited."""
    updated = ApiKey.objects.filter(
        pk=grant.pk, revoked_at__isnull=True, oauth_application__isnull=False
    ).update(revoked_at=timezone.now())
    AccessToken.objects.filter(postiz_binding__api_key=grant).delete()
    RefreshToken.objects.filter(postiz_binding__api_key=grant).delete()
    if updated:
        audit_record(
            action="oauth.revoked",
            actor=actor,
            organization=grant.organization,
            target=grant,
            details={"app": grant.oauth_application.name if grant.oauth_application else ""},
            request=request,
        )
    return bool(updated)


def _clean_redirect_uris(text: str) -> str:
    uris = (text or "").split()
    if not uris:
        raise ValidationError({"redirect_uris": _("Give at least one redirect URI.")})
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment:
            raise ValidationError(
                {
                    "redirect_uris": _("%(uri)s is not an http(s) address without a #fragment.")
                    % {"uri": uri}
                }
            )
        if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise ValidationError(
                {
                    "redirect_uris": _("%(uri)s: use https (plain http only for localhost).")
                    % {"uri": uri}
                }
            )
    return " ".join(uris)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the app a name people will recognise.")})
    if len(name) > 100:
        raise ValidationError({"name": _("Keep the name to 100 characters or fewer.")})
    return name


@transaction.atomic
def oauth_app_create(
    *,
    organization: Organization,
    actor,
    name: str,
    redirect_uris: str,
    confidential: bool,
    request=None,
) -> tuple[OAuthClient, str | None]:
    """apikeys.manage holders only; returns (app, raw client secret or None for a public
    app). The secret exists only in the return value: stored hashed, never logged."""
    application = Application(
        name=_clean_name(name),
        redirect_uris=_clean_redirect_uris(redirect_uris),
        client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        user=actor,
    )
    raw_secret = application.client_secret if confidential else None
    if not confidential:
        application.client_secret = ""
    application.save()
    client = OAuthClient.objects.create(
        application=application, organization=organization, created_by=actor
    )
    audit_record(
        action="oauth_app.created",
        actor=actor,
        organization=organization,
        target=client,
        details={"client_id": application.client_id, "type": application.client_type},
        request=request,
    )
    return client, raw_secret


@transaction.atomic
def oauth_app_rename(*, client: OAuthClient, actor, name: str, request=None) -> OAuthClient:
    """apikeys.manage holders of the app's organization only; audited."""
    old = client.application.name
    client.application.name = _clean_name(name)
    client.application.save(update_fields=["name", "updated"])
    # The consents read "OAuth app <name>" in lists and the audit log.
    ApiKey.objects.filter(oauth_application=client.application).update(
        name=f"OAuth app {client.application.name}"[:100]
    )
    audit_record(
        action="oauth_app.renamed",
        actor=actor,
        organization=client.organization,
        target=client,
        details={"from": old, "to": client.application.name},
        request=request,
    )
    return client


@transaction.atomic
def oauth_app_delete(*, client: OAuthClient, actor, request=None) -> None:
    """apikeys.manage holders of the app's organization only: every consent to it, in any
    organization, is revoked and its tokens stop working; audited."""
    application = client.application
    for grant in ApiKey.objects.filter(
        oauth_application=application, revoked_at__isnull=True
    ).select_related("organization", "oauth_application"):
        oauth_grant_revoke(grant=grant, actor=actor, request=request)
    audit_record(
        action="oauth_app.deleted",
        actor=actor,
        organization=client.organization,
        target=client,
        details={"client_id": application.client_id, "name": application.name},
        request=request,
    )
    # The consents' rows go with it (their audit entries stay, by name).
    application.delete()

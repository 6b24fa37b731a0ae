"""The Postiz CLI's sign-in (``postiz auth:login --auth-server <site>/oauth/cli``).

The CLI speaks a device flow of its own rather than RFC 8628 at the token endpoint: it
posts an empty JSON body to ``<auth server>/device/code`` (no client id), opens
``verification_uri?code=<user code>`` in the browser, and polls
``<auth server>/device/token`` with ``{"device_code": …}`` until the answer holds an
``access_token`` (plus ``api_url`` and ``organization_id``) or an ``error`` other than
``authorization_pending``. These functions serve that shape with the toolkit's device
grants and tokens: the person approves on our consent page, for one organization, and the
CLI receives a ``pos_`` token bound to that consent like any other app's.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    AccessToken,
    Application,
    DeviceGrant,
    RefreshToken,
    set_token_value,
)

from organizations.models import CLIENT_SCOPES, ApiKey, Membership, OAuthBinding, OAuthClient
from organizations.oauth import (
    new_access_token,
    new_refresh_token,
    oauth_grant_approve,
)
from organizations.services import audit_record

CLI_CLIENT_ID = "postiz-cli"
CLI_NAME = "Postiz CLI"
DEVICE_LIFETIME = timedelta(minutes=10)
# Without the ambiguous letters (0/O, 1/I/L): people type it from one screen to another.
_USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def cli_application() -> Application:
    """The built-in public app the CLI signs in as (made on first use)."""
    application, created = Application.objects.get_or_create(
        client_id=CLI_CLIENT_ID,
        defaults={
            "name": CLI_NAME,
            "client_type": Application.CLIENT_PUBLIC,
            "authorization_grant_type": Application.GRANT_DEVICE_CODE,
            "client_secret": "",
        },
    )
    if created:
        # Ours, so not "unverified" on the consent page.
        OAuthClient.objects.get_or_create(
            application=application, defaults={"first_approved_at": timezone.now()}
        )
    return application


def _user_code() -> str:
    raw = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def device_start() -> DeviceGrant:
    """Anyone (the CLI, before anyone signed in): a pending device sign-in."""
    cli_application()
    return DeviceGrant.objects.create(
        client_id=CLI_CLIENT_ID,
        device_code=secrets.token_urlsafe(32),
        user_code=_user_code(),
        scope=" ".join(CLIENT_SCOPES),
        interval=getattr(settings, "OAUTH_CLI_DEVICE_INTERVAL", 5),
        expires=timezone.now() + DEVICE_LIFETIME,
    )


def device_pending(*, user_code: str) -> DeviceGrant | None:
    """The pending sign-in a person typed or followed the code of, or None."""
    code = (user_code or "").strip().upper().replace(" ", "")
    if len(code) == 8 and "-" not in code:
        code = f"{code[:4]}-{code[4:]}"
    return DeviceGrant.objects.filter(
        client_id=CLI_CLIENT_ID,
        user_code=code,
        status=DeviceGrant.AUTHORIZATION_PENDING,
        expires__gt=timezone.now(),
    ).first()


@transaction.atomic
def device_decide(*, device: DeviceGrant, membership: Membership | None, allow: bool, request=None):
    """The signed-in person, for their own membership: approves (the consent is made and
    bound to the device sign-in) or denies. Returns the consent, or None when denied."""
    device = DeviceGrant.objects.select_for_update().get(pk=device.pk)
    if device.status != DeviceGrant.AUTHORIZATION_PENDING or device.is_expired():
        return None
    if not allow or membership is None:
        device.status = DeviceGrant.DENIED
        device.save(update_fields=["status"])
        return None
    grant = oauth_grant_approve(
        application=cli_application(),
        membership=membership,
        scopes=device.scope.split(),
        request=request,
    )
    device.user = membership.user
    device.status = DeviceGrant.AUTHORIZED
    device.save(update_fields=["user", "status"])
    OAuthBinding.objects.create(api_key=grant, device=device)
    return grant


@transaction.atomic
def device_token(*, device_code: str) -> tuple[int, dict]:
    """The CLI's poll: (status, body). Tokens are issued once per approved sign-in; the
    device code is spent with them."""
    device = (
        DeviceGrant.objects.select_for_update()
        .filter(client_id=CLI_CLIENT_ID, device_code=device_code or "")
        .first()
    )
    if device is None:
        return 400, {"error": "invalid_grant", "error_description": "Unknown device code."}
    if device.is_expired():
        device.delete()
        return 400, {"error": "expired_token"}
    if device.status == DeviceGrant.DENIED:
        device.delete()
        return 400, {"error": "access_denied"}
    if device.status != DeviceGrant.AUTHORIZED:
        return 400, {"error": "authorization_pending"}
    binding = OAuthBinding.objects.select_related("api_key__organization").get(device=device)
    grant: ApiKey = binding.api_key
    if grant.revoked_at is not None or grant.membership_id is None:
        device.delete()
        return 400, {"error": "access_denied"}
    application = cli_application()
    lifetime = settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]
    raw_access, raw_refresh = new_access_token(None), new_refresh_token(None)
    access = AccessToken(
        user=device.user,
        application=application,
        scope=" ".join(grant.scopes),
        expires=timezone.now() + timedelta(seconds=lifetime),
    )
    set_token_value(access, raw_access)
    access.save()
    refresh = RefreshToken(user=device.user, application=application, access_token=access)
    set_token_value(refresh, raw_refresh)
    refresh.save()
    OAuthBinding.objects.bulk_create(
        [
            OAuthBinding(api_key=grant, access_token=access),
            OAuthBinding(api_key=grant, refresh_token=refresh),
        ]
    )
    audit_record(
        action="oauth.token_issued",
        actor=grant.created_by,
        organization=grant.organization,
        target=grant,
        details={"app": application.name, "grant_type": "device_code", "scopes": grant.scopes},
    )
    device.delete()
    return 200, {
        "access_token": raw_access,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "refresh_token": raw_refresh,
        "scope": " ".join(grant.scopes),
        "api_url": settings.SITE_URL,
        "organization_id": str(grant.organization.public_id),
    }

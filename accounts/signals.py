"""Sign-up onboarding and the security events that go to the audit log."""

from allauth.account.signals import (
    email_changed,
    password_changed,
    password_reset,
    password_set,
    user_signed_up,
)
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.dispatch import receiver

from accounts.adapters import INVITATION_SESSION_KEY
from accounts.services import user_grant_first_admin
from organizations.services import (
    InvitationError,
    audit_record,
    invitation_accept,
    invitation_from_token,
    organization_create,
)


@receiver(user_signed_up)
def onboard(sender, request, user, **kwargs):
    user_grant_first_admin(user=user)
    token = request.session.pop(INVITATION_SESSION_KEY, None) if request else None
    if token:
        try:
            invitation_accept(invitation=invitation_from_token(token), user=user, request=request)
            return
        except InvitationError:
            pass  # a stale or mismatched link: fall through to a team of their own
    organization_create(name=f"{user.display_name}'s team", owner=user, request=request)


def _security(action):
    def handler(sender, request=None, user=None, authenticator=None, **kwargs):
        if user is None and request is not None:
            user = request.user
        # One MFA change can touch two authenticators (an app and its recovery codes).
        details = {"authenticator": authenticator.type} if authenticator is not None else None
        audit_record(action=action, actor=user, target=user, details=details, request=request)

    return handler


_handlers = {
    "account.password_changed": password_changed,
    "account.password_set": password_set,
    "account.password_reset": password_reset,
    "account.email_changed": email_changed,
    "account.mfa_added": authenticator_added,
    "account.mfa_removed": authenticator_removed,
    "account.mfa_recovery_codes_reset": authenticator_reset,
}
for _action, _signal in _handlers.items():
    _signal.connect(_security(_action), weak=False, dispatch_uid=_action)

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from postiz.http import client_ip

INVITATION_SESSION_KEY = "postiz_invitation_token"


def signup_allowed(request) -> bool:
    """Open sign-up, or closed sign-up with a valid invitation in hand."""
    if not settings.POSTIZ_DISABLE_SIGNUP:
        return True
    from organizations.services import InvitationError, invitation_from_token

    token = request.session.get(INVITATION_SESSION_KEY) if request else None
    if not token:
        return False
    try:
        invitation_from_token(token)
    except InvitationError:
        return False
    return True


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_taken": (
            "An account with this email address already exists. Sign in, or reset your "
            "password if you have forgotten it."
        ),
    }

    def is_open_for_signup(self, request):
        return signup_allowed(request)

    def get_client_ip(self, request):
        # allauth's rate limits (failed sign-ins per address) count by this address.
        # Behind the reverse proxy every person arrives from the proxy's address, so one
        # address's failures would lock everyone out; with USE_X_FORWARDED_FOR the
        # address the proxy saw is counted, and without it the header is ignored, so
        # it cannot be used to dodge the limit.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def validate_unique_email(self, email):
        # With mandatory verification allauth hides a taken address at sign-up (it mails
        # the owner instead and shows "verification sent"). Postiz says so on the form:
        # people mistyping or forgetting their account get an answer they can act on.
        # Sign-up is rate limited; password reset keeps allauth's enumeration protection.
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            raise self.validation_error("email_taken")
        return email


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """No application is configured for this provider. Still the DoesNotExist allauth's
    own code expects, and a 404 (our page) where nothing catches it: /accounts/google/
    login/ on an instance without Google sign-in is a page that does not exist."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return signup_allowed(request)

    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured(f"{provider} sign-in is not configured.") from None

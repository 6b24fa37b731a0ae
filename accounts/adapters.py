from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings

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
    def is_open_for_signup(self, request):
        return signup_allowed(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return signup_allowed(request)

from organizations import selectors
from organizations.access import SESSION_KEY


def organizations(request):
    """The navigation's organization: the page's own, else the one used last."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    if organization is None and request.session.get(SESSION_KEY):
        # Pages outside /o/<slug>/ (profile, password) keep the main navigation.
        membership = selectors.membership_for(user=user, slug=request.session[SESSION_KEY])
        organization = membership.organization if membership else None
    return {
        "current_organization": organization,
        "current_membership": membership,
        "user_organizations": selectors.organizations_for_user(user=user).only("name", "slug"),
    }

from organizations import selectors


def organizations(request):
    """The organization switcher's data; lazily evaluated, so pages without it pay nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "user_organizations": selectors.organizations_for_user(user=user).only("name", "slug"),
    }

from django.shortcuts import redirect, render
from django.urls import reverse

from organizations import selectors
from organizations.access import SESSION_KEY


def home(request):
    """Send people to the organization they used last, or to where they can start."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    slug = request.session.get(SESSION_KEY)
    membership = selectors.membership_for(user=request.user, slug=slug) if slug else None
    organization = (
        membership.organization
        if membership
        else selectors.organizations_for_user(user=request.user).order_by("name").first()
    )
    if organization is None:
        return redirect("organization_create")
    return redirect(reverse("posts:calendar", kwargs={"org_slug": organization.slug}))


def csrf_failure(request, reason=""):
    """A rejected form says what happened and what to do, in the product's layout."""
    return render(request, "403_csrf.html", status=403)


def too_many_requests(request, exception=None):
    """Rate-limited pages (sign-in, sign-up, reset) answer 429 with advice."""
    return render(request, "429.html", status=429)

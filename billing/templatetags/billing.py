from django import template
from django.urls import reverse

from billing import limits

register = template.Library()


@register.inclusion_tag("billing/_nav_link.html", takes_context=True)
def billing_nav_link(context):
    """The Billing link, only when this instance bills and the member may manage billing."""
    request = context.get("request")
    membership = getattr(request, "membership", None) or context.get("current_membership")
    show = limits.enabled() and membership is not None and membership.can("billing.manage")
    url = reverse("billing:overview", args=[membership.organization.slug]) if show else ""
    current = bool(
        request
        and getattr(request, "resolver_match", None)
        and request.resolver_match.app_name == "billing"
    )
    return {"show": show, "url": url, "current": current}

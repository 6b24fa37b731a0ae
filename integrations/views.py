from django.shortcuts import render

from organizations.access import organization_view


@organization_view("organization.view")
def list(request):  # noqa: A001 - the URL name reads best as integrations:list
    """The organization's connected channels."""
    return render(request, "integrations/list.html")

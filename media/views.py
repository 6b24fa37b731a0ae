from django.shortcuts import render

from organizations.access import organization_view


@organization_view("organization.view")
def library(request):
    """The organization's media library."""
    return render(request, "media/library.html")

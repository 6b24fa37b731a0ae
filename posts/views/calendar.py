from django.shortcuts import render

from organizations.access import organization_view


@organization_view("organization.view")
def calendar(request):
    """The organization's calendar; posts arrive here once channels are connected."""
    return render(request, "posts/calendar.html")

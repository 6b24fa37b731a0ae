from django.http import HttpResponse

from organizations.access import organization_view


@organization_view("organization.view")
def settings_general(request):
    return HttpResponse("settings")


def organization_create(request):
    return HttpResponse("create")


def invitation_accept(request, token):
    return HttpResponse("accept")

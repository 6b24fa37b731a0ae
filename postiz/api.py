"""The API machinery shared by every app: tenancy for API views and one error shape."""

from __future__ import annotations

from rest_framework import exceptions, generics, views
from rest_framework.views import exception_handler as drf_exception_handler

from organizations import selectors


def exception_handler(exc, context):
    """Every API error is ``{"error": {"code", "message", "details"}}``."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        code, message, details = "invalid", "The request has errors; see details.", detail
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        message = detail.get("detail", str(detail)) if isinstance(detail, dict) else str(detail)
        details = None
    response.data = {"error": {"code": code, "message": str(message), "details": details}}
    return response


class OrganizationAPIMixin:
    """Resolves the organization once per request; querysets are built only from it.

    With an API key (``request.auth.organization``) the key names the organization; with a
    session the URL's ``org_slug`` does. Outsiders get 404, too-low roles get 403.
    Subclasses implement ``get_organization_queryset(organization)``; they may not
    override ``get_queryset``, so no queryset can skip the tenant filter.
    """

    permission_required = "organization.view"
    organization = None
    membership = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must implement get_organization_queryset instead")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.organization, self.membership = self.resolve_tenant(request, kwargs)

    def resolve_tenant(self, request, kwargs):
        key_org = getattr(request.auth, "organization", None)
        if key_org is not None:
            if key_org.deleted_at is not None:
                raise exceptions.NotFound("No such organization.")
            return key_org, None
        membership = selectors.membership_for(user=request.user, slug=kwargs.get("org_slug", ""))
        if membership is None:
            raise exceptions.NotFound("No such organization.")
        if not membership.can(self.permission_required):
            raise exceptions.PermissionDenied("Your role does not allow this.")
        return membership.organization, membership

    def get_queryset(self):
        if self.organization is None:
            raise exceptions.NotFound("No such organization.")
        return self.get_organization_queryset(self.organization)

    def get_organization_queryset(self, organization):
        raise NotImplementedError


class OrganizationAPIView(OrganizationAPIMixin, views.APIView):
    pass


class OrganizationListAPIView(OrganizationAPIMixin, generics.ListAPIView):
    pass

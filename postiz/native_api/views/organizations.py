"""The signed-in person's organizations and an organization's members (session-
authenticated routes under /api/v1 beside the native API)."""

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations import selectors
from organizations.models import Membership
from postiz.api import OrganizationListAPIView


class OrganizationSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    timezone = serializers.CharField()
    role = serializers.CharField()


class OrganizationList(APIView):
    """The organizations the signed-in person belongs to, with their role in each."""

    def get(self, request):
        rows = [
            {
                "id": str(m.organization.pk),
                "name": m.organization.name,
                "slug": m.organization.slug,
                "timezone": m.organization.timezone,
                "role": m.role,
            }
            for m in selectors.memberships_for_user(user=request.user)
        ]
        return Response({"results": OrganizationSerializer(rows, many=True).data})


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    joined_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "joined_at"]


class MemberList(OrganizationListAPIView):
    """Members of the organization; any member may read it."""

    permission_required = "members.view"
    serializer_class = MemberSerializer
    pagination_class = None

    def get_organization_queryset(self, organization):
        return selectors.memberships_of(organization=organization)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data = {"results": response.data}
        return response

"""The organization's members, read only: who they are, their role, since when."""

from __future__ import annotations

from rest_framework.response import Response

from organizations import selectors
from postiz.native_api import serializers as s
from postiz.native_api.base import NativeView
from postiz.native_api.resources import (
    MemberSerializer,
    by_public_id,
    etagged,
    serializer_page,
)


class Members(NativeView):
    scopes = {"GET": "members:read"}
    serializer_class = MemberSerializer

    @s.listed(MemberSerializer)
    def get(self, request):
        rows = selectors.memberships_of(organization=self.organization)
        return serializer_page(request, rows, MemberSerializer)


class MemberDetail(NativeView):
    scopes = {"GET": "members:read"}
    serializer_class = MemberSerializer

    @etagged
    def get(self, request, public_id):
        rows = selectors.memberships_of(organization=self.organization)
        return Response(MemberSerializer(by_public_id(rows, public_id, "Member")).data)

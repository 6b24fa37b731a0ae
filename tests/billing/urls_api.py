"""A small API route that creates through a service, to show the 402 path end to end."""

from django.urls import include, path
from rest_framework.response import Response

from postiz.api import OrganizationAPIView
from posts.services.webhooks import webhook_create


class WebhookCreate(OrganizationAPIView):
    permission_required = "webhooks.manage"

    def post(self, request, org_slug):
        webhook = webhook_create(
            organization=self.organization,
            name=request.data.get("name", ""),
            url=request.data.get("url", ""),
            events=["post.published"],
            actor=request.user,
        )
        return Response({"id": str(webhook.public_id)}, status=201)


urlpatterns = [
    path("api/v1/o/<slug:org_slug>/webhooks-for-test", WebhookCreate.as_view()),
    path("", include("postiz.urls")),
]

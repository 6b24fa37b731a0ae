"""The project's URLs plus /bench/plain-posts: the same rows as the API's post lists, read
and serialized the plain Django way (one query, values(), JsonResponse), no auth."""

from django.http import JsonResponse
from django.urls import path

from postiz.api import iso_ms, parse_timestamp
from postiz.urls import urlpatterns as project_urlpatterns
from posts.models import PostItem


def plain_posts(request):
    start = parse_timestamp(request.GET["startDate"])
    end = parse_timestamp(request.GET["endDate"])
    limit = int(request.GET.get("limit", "100000"))
    rows = (
        PostItem.objects.filter(
            position=0,
            post__organization__slug=request.GET["org"],
            post__publish_at__gte=start,
            post__publish_at__lte=end,
        )
        .order_by("post__publish_at", "post_id")
        .values(
            "post__public_id",
            "post__group__public_id",
            "content",
            "post__publish_at",
            "post__state",
            "post__remote_id",
            "post__remote_url",
            "post__settings",
            "post__integration__public_id",
            "post__integration__provider",
            "post__integration__name",
            "post__integration__avatar_url",
        )[:limit]
    )
    posts = [
        {
            "id": str(r["post__public_id"]),
            "group": str(r["post__group__public_id"]),
            "content": r["content"],
            "publishDate": iso_ms(r["post__publish_at"]),
            "state": r["post__state"],
            "releaseId": r["post__remote_id"] or None,
            "releaseURL": r["post__remote_url"] or None,
            "settings": r["post__settings"],
            "integration": {
                "id": str(r["post__integration__public_id"]),
                "providerIdentifier": r["post__integration__provider"],
                "name": r["post__integration__name"],
                "picture": r["post__integration__avatar_url"] or None,
            },
        }
        for r in rows
    ]
    return JsonResponse({"posts": posts})


urlpatterns = [path("bench/plain-posts", plain_posts), *project_urlpatterns]

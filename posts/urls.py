"""Pages of one organization's posts, under /o/<org_slug>/."""

from django.urls import path

from posts.views import calendar
from posts.views import failures as failures_views  # -- failures

app_name = "posts"

urlpatterns = [
    # -- calendar -----------------------------------------------------------------------
    path("calendar/", calendar.calendar, name="calendar"),
    path(
        "calendar/posts/<str:post_id>/reschedule/", calendar.reschedule, name="reschedule"
    ),
    # -- failures -----------------------------------------------------------------------
    path("failures/", failures_views.failures, name="failures"),
    path("failures/actions/", failures_views.act, name="failures_act"),
    path(
        "failures/posts/<str:post_id>/published/",
        failures_views.mark_published,
        name="failures_mark_published",
    ),
]

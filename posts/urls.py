"""Pages of one organization's posts, under /o/<org_slug>/."""

from django.urls import path

from posts.views import calendar

app_name = "posts"

urlpatterns = [
    # -- calendar -----------------------------------------------------------------------
    path("calendar/", calendar.calendar, name="calendar"),
]

"""Pages of one organization's posts, under /o/<org_slug>/."""

from django.urls import path

from posts.views import calendar
from posts.views import failures as failures_views  # -- failures
from posts.views import notifications as notifications_views  # -- notifications
from posts.views import webhooks as webhooks_views  # -- webhooks

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
    # -- notifications ------------------------------------------------------------------
    path("notifications/", notifications_views.notification_list, name="notifications"),
    path(
        "notifications/read-all/",
        notifications_views.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "notifications/<str:notification_id>/read/",
        notifications_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/<str:notification_id>/open/",
        notifications_views.notification_open,
        name="notification_open",
    ),
    # -- webhooks -----------------------------------------------------------------------
    path("settings/webhooks/", webhooks_views.webhook_list, name="webhooks"),
    path("settings/webhooks/new/", webhooks_views.webhook_create, name="webhook_create"),
    path("settings/webhooks/<str:webhook_id>/", webhooks_views.webhook_detail, name="webhook"),
    path(
        "settings/webhooks/<str:webhook_id>/delete/",
        webhooks_views.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "settings/webhooks/<str:webhook_id>/secret/",
        webhooks_views.webhook_rotate_secret,
        name="webhook_secret",
    ),
    path(
        "settings/webhooks/<str:webhook_id>/test/",
        webhooks_views.webhook_test,
        name="webhook_test",
    ),
    path(
        "settings/webhooks/<str:webhook_id>/deliveries/<int:delivery_id>/redeliver/",
        webhooks_views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]

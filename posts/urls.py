"""Pages of one organization's posts, under /o/<org_slug>/."""

from django.urls import path

from posts.links import views as links_views  # -- short links
from posts.plugs import views as plugs_views  # -- plugs
from posts.views import analytics as analytics_views  # -- analytics
from posts.views import approvals as approval_views  # -- approvals list and review panel
from posts.views import assist as assist_views  # -- AI writing help
from posts.views import calendar
from posts.views import composer as composer_views  # -- composer
from posts.views import composer_choices as choice_views  # -- looked-up setting choices
from posts.views import failures as failures_views  # -- failures
from posts.views import feeds as feeds_views  # -- RSS feeds
from posts.views import imports as imports_views  # -- CSV import and export
from posts.views import library as library_views  # -- signatures, sets, tags
from posts.views import notifications as notifications_views  # -- notifications
from posts.views import portal as portal_views  # -- client portal links
from posts.views import previews as preview_views  # -- preview links
from posts.views import webhooks as webhooks_views  # -- webhooks

app_name = "posts"

urlpatterns = [
    # -- calendar -----------------------------------------------------------------------
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/posts/<str:post_id>/reschedule/", calendar.reschedule, name="reschedule"),
    # -- analytics ----------------------------------------------------------------------
    path("analytics/", analytics_views.analytics, name="analytics"),
    path("analytics/report/", analytics_views.report, name="analytics_report"),
    path(
        "analytics/posts/<str:post_id>/refresh/",
        analytics_views.refresh,
        name="analytics_refresh",
    ),
    # -- short links --------------------------------------------------------------------
    path("settings/short-links/", links_views.link_settings, name="link_settings"),
    path("analytics/posts/<str:post_id>/links/", links_views.post_links, name="post_links"),
    # -- plugs (a channel's page, beside the channel's own under channels/<pk>/) --------
    path("channels/<int:pk>/plugs/", plugs_views.channel_plugs, name="channel_plugs"),
    path("channels/<int:pk>/plugs/<str:plug_id>/", plugs_views.plug_edit, name="plug_edit"),
    path(
        "channels/<int:pk>/plugs/<str:plug_id>/delete/",
        plugs_views.plug_delete,
        name="plug_delete",
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
    # -- RSS feeds ----------------------------------------------------------------------
    path("settings/feeds/", feeds_views.feed_list, name="feeds"),
    path("settings/feeds/new/", feeds_views.feed_create, name="feed_create"),
    path("settings/feeds/<str:feed_id>/", feeds_views.feed_detail, name="feed"),
    path("settings/feeds/<str:feed_id>/status/", feeds_views.feed_status, name="feed_status"),
    path("settings/feeds/<str:feed_id>/fetch/", feeds_views.feed_fetch, name="feed_fetch"),
    path("settings/feeds/<str:feed_id>/resume/", feeds_views.feed_resume, name="feed_resume"),
    path("settings/feeds/<str:feed_id>/delete/", feeds_views.feed_delete, name="feed_delete"),
    # -- composer -----------------------------------------------------------------------
    path("posts/new/", composer_views.new, name="new"),
    path("posts/validate/", composer_views.validate, name="composer_validate"),
    path("posts/preview/", composer_views.preview, name="composer_preview"),
    path("posts/assist/", assist_views.suggest, name="composer_assist"),  # -- AI writing help
    path(
        "posts/choices/<int:channel_id>/<str:name>/",
        choice_views.choices,
        name="composer_choices",
    ),
    path(
        "posts/choices/<int:channel_id>/<str:name>/create/",
        choice_views.choice_create,
        name="composer_choice_create",
    ),
    path("posts/<int:group_id>/", composer_views.edit, name="edit"),
    path("posts/<int:group_id>/duplicate/", composer_views.duplicate, name="duplicate"),
    path("posts/<int:group_id>/delete/", composer_views.delete, name="delete"),
    path("posts/<int:group_id>/comments/", composer_views.comment_add, name="comment_add"),
    # -- CSV import and export ----------------------------------------------------------
    path("posts/import/", imports_views.import_start, name="import"),
    path("posts/import/<str:job_id>/", imports_views.import_job, name="import_job"),
    path("posts/import/<str:job_id>/status/", imports_views.import_status, name="import_status"),
    path(
        "posts/import/<str:job_id>/schedule/",
        imports_views.import_schedule,
        name="import_schedule",
    ),
    path("posts/export/", imports_views.export, name="export"),
    # -- approvals list and review panel -----------------------------------------------
    path("approvals/", approval_views.approvals, name="approvals"),
    path("approvals/approve/", approval_views.approvals_bulk, name="approvals_bulk"),
    path("posts/<int:group_id>/review/", approval_views.review, name="review"),
    path(
        "posts/<int:group_id>/review/<str:action>/",
        approval_views.review_decide,
        name="review_decide",
    ),
    # -- preview links and client portal links ---------------------------------------
    path(
        "posts/<int:group_id>/preview-links/",
        preview_views.preview_links,
        name="preview_links",
    ),
    path(
        "posts/<int:group_id>/preview-links/<int:link_id>/revoke/",
        preview_views.preview_link_revoke,
        name="preview_link_revoke",
    ),
    path(
        "customers/<int:customer_id>/review-links/",
        portal_views.portal_links,
        name="portal_links",
    ),
    path(
        "customers/<int:customer_id>/review-links/<int:link_id>/revoke/",
        portal_views.portal_link_revoke,
        name="portal_link_revoke",
    ),
    path("client-review/", portal_views.client_review, name="client_review"),
    path(
        "client-review/<int:customer_id>/posts/<str:group_id>/<str:action>/",
        portal_views.client_review_act,
        name="client_review_act",
    ),
    # -- signatures, sets, tags ---------------------------------------------------------
    path("posts/signatures/", library_views.signatures, name="signatures"),
    path("posts/signatures/<int:pk>/", library_views.signature_edit, name="signature_edit"),
    path(
        "posts/signatures/<int:pk>/delete/",
        library_views.signature_delete,
        name="signature_delete",
    ),
    path("posts/sets/", library_views.sets, name="sets"),
    path("posts/sets/<int:pk>/rename/", library_views.set_rename, name="set_rename"),
    path("posts/sets/<int:pk>/delete/", library_views.set_delete, name="set_delete"),
    path("posts/tags/", library_views.tags, name="tags"),
    path("posts/tags/<int:pk>/", library_views.tag_edit, name="tag_edit"),
    path("posts/tags/<int:pk>/delete/", library_views.tag_delete, name="tag_delete"),
]

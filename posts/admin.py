from django.contrib import admin

from posts.models import Post, PostGroup, PostItem, Tag


class PostItemInline(admin.TabularInline):
    model = PostItem
    extra = 0
    fields = ["position", "content", "delay_minutes", "remote_id", "published_at"]
    readonly_fields = ["remote_id", "published_at"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "integration", "state", "publish_at", "published_at"]
    list_filter = ["state", "integration__provider"]
    search_fields = ["items__content", "remote_id", "organization__name"]
    list_select_related = ["organization", "integration"]
    date_hierarchy = "publish_at"
    # The state changes only through the services (conditional transitions), never here.
    readonly_fields = [
        "state",
        "state_changed_at",
        "remote_id",
        "remote_url",
        "published_at",
        "error_kind",
        "error_message",
        "attempts",
    ]
    raw_id_fields = ["group", "integration", "organization"]
    inlines = [PostItemInline]


@admin.register(PostGroup)
class PostGroupAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "creation_method", "created_by", "created_at"]
    list_filter = ["creation_method"]
    list_select_related = ["organization", "created_by"]
    raw_id_fields = ["organization", "created_by"]
    filter_horizontal = ["tags"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color", "organization"]
    search_fields = ["name"]
    list_select_related = ["organization"]

"""RSS feed pages, under /o/<org_slug>/settings/feeds/ (posts.publish): the list, adding
and editing with a preview of the next posts, deleting, "fetch now" with its result, and
resuming a paused feed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from integrations import selectors as channel_selectors
from organizations.access import organization_view
from organizations.forms import add_service_errors
from posts.feeds import selectors, services
from posts.feeds.models import MIN_INTERVAL_MINUTES, Feed
from posts.feeds.text import DEFAULT_TEMPLATE, PLACEHOLDER_HELP
from posts.views.webhooks import _zone_name

PERMISSION = "posts.publish"
ENTRIES_PER_PAGE = 25
INTERVALS = [
    (15, gettext_lazy("Every 15 minutes")),
    (30, gettext_lazy("Every 30 minutes")),
    (60, gettext_lazy("Every hour")),
    (180, gettext_lazy("Every 3 hours")),
    (360, gettext_lazy("Every 6 hours")),
    (720, gettext_lazy("Every 12 hours")),
    (1440, gettext_lazy("Once a day")),
]


def _placeholder_help() -> str:
    return _("Placeholders: %(names)s. Write {{ or }} for a brace itself.") % {
        "names": PLACEHOLDER_HELP
    }


def _interval_help() -> str:
    return _("At most every %(minutes)s minutes.") % {"minutes": MIN_INTERVAL_MINUTES}


class FeedForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    url = forms.CharField(
        max_length=1000,
        label=gettext_lazy("Feed address"),
        help_text=gettext_lazy("The RSS or Atom link of the site, e.g. https://example.com/feed/."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/feed/"}),
    )
    integrations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Post to"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Pick at least one channel to post to.")},
    )
    customer = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("None (the whole organization)"),
        help_text=gettext_lazy("A customer's feed posts only to that customer's channels."),
    )
    template = forms.CharField(
        label=gettext_lazy("Post text"),
        initial=DEFAULT_TEMPLATE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=lazy(_placeholder_help, str)(),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("When"),
        choices=Feed.Mode.choices,
        initial=Feed.Mode.QUEUE,
        widget=forms.RadioSelect,
    )
    with_review = forms.BooleanField(
        label=gettext_lazy("With review"),
        required=False,
        help_text=gettext_lazy("New entries' posts wait for an approver before they go out."),
    )
    image = forms.ChoiceField(
        label=gettext_lazy("Image"), choices=Feed.Image.choices, initial=Feed.Image.NONE
    )
    backlog = forms.ChoiceField(
        label=gettext_lazy("Entries already in the feed when it is added"),
        choices=Feed.Backlog.choices,
        initial=Feed.Backlog.DRAFTS,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Only entries published after the first read are posted by themselves."
        ),
    )
    interval_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Read it"),
        choices=INTERVALS,
        coerce=int,
        initial=60,
        help_text=lazy(_interval_help, str)(),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        channels = list(selectors.channels_for(organization=organization))
        self.channels = channels
        self.fields["integrations"].queryset = selectors.channels_for(organization=organization)
        self.fields["integrations"].label_from_instance = lambda c: f"{c.name} ({c.provider})"
        self.fields["customer"].queryset = channel_selectors.customers_for(
            organization=organization
        )
        if selectors.customer_required(organization):
            # A member limited to customers makes feeds for one of them only.
            customer = self.fields["customer"]
            customer.required = True
            customer.empty_label = None
            customer.help_text = _("The feed posts only to that customer's channels.")
            customer.error_messages["required"] = _("Pick one of your customers.")
        for channel in channels:
            self.fields[f"template_{channel.pk}"] = forms.CharField(
                label=_("Text for %(channel)s") % {"channel": channel.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Leave empty to use the post text above."),
            )

    def overrides(self) -> dict[str, str]:
        return {
            str(c.pk): self.cleaned_data.get(f"template_{c.pk}", "")
            for c in self.channels
            if (self.cleaned_data.get(f"template_{c.pk}") or "").strip()
        }

    def override_fields(self):
        return [self[f"template_{c.pk}"] for c in self.channels]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "url": data["url"],
            "integrations": list(data["integrations"]),
            "template": data["template"],
            "channel_templates": self.overrides(),
            "mode": data["mode"],
            "with_review": data["with_review"],
            "image": data["image"],
            "backlog": data["backlog"],
            "interval_minutes": data["interval_minutes"],
            "customer": data["customer"],
        }


# -- Helpers ----------------------------------------------------------------------------
def _settings_nav(request) -> list[dict]:
    from organizations.views import _settings_nav as organization_nav

    return organization_nav(request, "feeds")


def _render(request, template: str, context: dict, status: int = 200):
    context = {
        "settings_nav": _settings_nav(request),
        "organization": request.organization,
        "membership": request.membership,
        "viewer_zone": _zone_name(request),
        "placeholders": PLACEHOLDER_HELP,
        **context,
    }
    return render(request, template, context, status=status)


def _feed_or_404(request, feed_id) -> Feed:
    feed = selectors.feed_get(organization=request.organization, public_id=feed_id)
    if feed is None:
        raise Http404("No such feed.")
    return feed


def _detail_url(feed: Feed) -> str:
    return reverse("posts:feed", args=[feed.organization.slug, feed.public_id])


def _preview(request, form, feed=None):
    """What the next read would post, or the form's errors."""
    if not form.is_valid():
        return None
    try:
        return services.feed_preview(
            organization=request.organization,
            url=form.cleaned_data["url"],
            template=form.cleaned_data["template"],
            channel_templates=form.overrides(),
            integrations=form.cleaned_data["integrations"],
            feed=feed,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


# -- Pages ------------------------------------------------------------------------------
@organization_view(PERMISSION)
@require_http_methods(["GET"])
def feed_list(request):
    """The organization's feeds, each with its state and last read."""
    feeds = selectors.feeds_for(organization=request.organization).prefetch_related("integrations")
    return _render(request, "posts/feeds/list.html", {"feeds": feeds})


@organization_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def feed_create(request):
    """A new feed; "Preview" reads it and shows what would be posted, without saving."""
    organization = request.organization
    form = FeedForm(request.POST or None, organization=organization)
    preview = None
    if request.method == "POST":
        if request.POST.get("step") == "preview":
            preview = _preview(request, form)
        elif form.is_valid():
            try:
                feed = services.feed_create(
                    organization=organization,
                    actor=request.user,
                    request=request,
                    **form.service_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Feed %(name)s added. It is being read for the first time.")
                    % {"name": feed.name},
                )
                return redirect(_detail_url(feed))
    status = 400 if request.method == "POST" and form.errors else 200
    return _render(
        request, "posts/feeds/form.html", {"form": form, "preview": preview}, status=status
    )


@organization_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def feed_detail(request, feed_id):
    """One feed: its state, last read and error, what its entries became, and its
    settings (with the preview)."""
    feed = _feed_or_404(request, feed_id)
    initial = {
        "name": feed.name,
        "url": feed.url,
        "integrations": list(feed.integrations.all()),
        "customer": feed.customer,
        "template": feed.template,
        "mode": feed.mode,
        "with_review": feed.with_review,
        "image": feed.image,
        "backlog": feed.backlog,
        "interval_minutes": feed.interval_minutes,
        **{f"template_{k}": v for k, v in feed.channel_templates.items()},
    }
    form = FeedForm(request.POST or None, initial=initial, organization=request.organization)
    preview, status = None, 200
    if request.method == "POST":
        if request.POST.get("step") == "preview":
            preview = _preview(request, form, feed)
        elif form.is_valid():
            try:
                services.feed_update(
                    feed=feed, actor=request.user, request=request, **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Feed %(name)s saved.") % {"name": feed.name})
                return redirect(_detail_url(feed))
        if form.errors:
            status = 400
    entries = selectors.entries_for(feed=feed)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"feed": feed, "form": form, "preview": preview, "page_obj": page}
    return _render(request, "posts/feeds/detail.html", context, status=status)


@organization_view(PERMISSION)
@require_http_methods(["GET"])
def feed_status(request, feed_id):
    """The feed's read status alone (polled while a "fetch now" runs)."""
    feed = _feed_or_404(request, feed_id)
    return _render(request, "posts/feeds/_status.html", {"feed": feed})


@organization_view(PERMISSION)
@require_POST
def feed_fetch(request, feed_id):
    """Fetch now: the worker reads the feed; the page shows the result when it is done."""
    feed = _feed_or_404(request, feed_id)
    try:
        feed = services.feed_fetch_request(feed=feed, actor=request.user, request=request)
    except services.FeedBusy as busy:
        messages.error(request, str(busy))
        return redirect(_detail_url(feed))
    feed.refresh_from_db()
    if request.htmx:
        return _render(request, "posts/feeds/_status.html", {"feed": feed})
    messages.info(request, _("Reading %(name)s now.") % {"name": feed.name})
    return redirect(_detail_url(feed))


@organization_view(PERMISSION)
@require_POST
def feed_resume(request, feed_id):
    feed = _feed_or_404(request, feed_id)
    services.feed_resume(feed=feed, actor=request.user, request=request)
    messages.success(
        request, _("Feed %(name)s resumed; it is being read again.") % {"name": feed.name}
    )
    return redirect(_detail_url(feed))


@organization_view(PERMISSION)
@require_POST
def feed_delete(request, feed_id):
    feed = _feed_or_404(request, feed_id)
    name = feed.name
    services.feed_delete(feed=feed, actor=request.user, request=request)
    messages.success(request, _("Feed %(name)s deleted. The posts it made stay.") % {"name": name})
    return redirect("posts:feeds", org_slug=request.organization.slug)

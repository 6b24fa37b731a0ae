"""Review pages for the team: the Approvals list (filters, bulk approve) and one group's
review panel (previews, the thread, what changed since the approved version, and the
decisions, shown only to members who may approve)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from integrations import selectors as channel_selectors
from organizations import selectors as org_selectors
from organizations.access import organization_view
from posts import calendar as cal
from posts import selectors
from posts.models import Post, PostItem
from posts.services import approvals as approval_services
from posts.states import State
from posts.views.public import live_posts_prefetch, post_previews, review_versions

PAGE_SIZE = 50
# A filter's stage, and the review states it lists.
STAGES = {
    "internal": ("needs_review",),
    "client": ("needs_client_review",),
    "changes": ("changes_requested",),
}
WAITING = ("needs_review", "needs_client_review", "changes_requested")
STAGE_LABELS = {
    "needs_review": gettext_lazy("Waiting for the team"),
    "needs_client_review": gettext_lazy("Waiting for the client"),
    "changes_requested": gettext_lazy("Changes requested"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
}


class FilterForm(forms.Form):
    customer = forms.TypedChoiceField(
        label=gettext_lazy("Customer"), required=False, coerce=int, empty_value=None
    )
    channel = forms.TypedChoiceField(
        label=gettext_lazy("Channel"), required=False, coerce=int, empty_value=None
    )
    stage = forms.ChoiceField(
        label=gettext_lazy("Stage"),
        required=False,
        choices=[
            ("", gettext_lazy("Every stage")),
            ("internal", gettext_lazy("Waiting for the team")),
            ("client", gettext_lazy("Waiting for the client")),
            ("changes", gettext_lazy("Changes requested")),
        ],
    )
    author = forms.TypedChoiceField(
        label=gettext_lazy("Written by"), required=False, coerce=int, empty_value=None
    )
    due = forms.DateField(
        label=gettext_lazy("Due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Posts planned on or before this day."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", _("Every customer"))] + [
            (c.pk, c.name) for c in channel_selectors.customers_for(organization=organization)
        ]
        self.fields["channel"].choices = [("", _("Every channel"))] + [
            (c.pk, c.name) for c in channel_selectors.integrations_for(organization=organization)
        ]
        self.fields["author"].choices = [("", _("Anyone"))] + [
            (m.user_id, m.user.display_name)
            for m in org_selectors.memberships_of(organization=organization).select_related("user")
        ]


def _waiting_posts(organization):
    return selectors.posts_for(organization=organization).filter(
        state=State.REVIEW, review_state__in=WAITING
    )


def review_queryset(*, organization, data: dict, zone):
    """The groups the list shows for the filters in ``data`` (already cleaned), soonest due
    first, each with its waiting posts in ``group.waiting``."""
    posts = _waiting_posts(organization)
    if data.get("customer"):
        posts = posts.filter(integration__customer_id=data["customer"])
    if data.get("channel"):
        posts = posts.filter(integration_id=data["channel"])
    if data.get("stage"):
        posts = posts.filter(review_state__in=STAGES[data["stage"]])
    if data.get("due"):
        end = datetime.combine(data["due"] + timedelta(days=1), time(0), tzinfo=zone)
        posts = posts.filter(publish_at__lt=end)
    groups = selectors.groups_for(organization=organization).filter(
        Exists(posts.filter(group=OuterRef("pk")))
    )
    if data.get("author"):
        groups = groups.filter(created_by_id=data["author"])
    shown = posts.select_related("integration", "integration__customer").order_by(
        "publish_at", "id"
    )
    return (
        groups.select_related("created_by")
        .prefetch_related(
            Prefetch("posts", queryset=shown, to_attr="waiting"), live_posts_prefetch()
        )
        .order_by("created_at", "id")
    )


def _row(group, *, viewer, can_approve: bool, allow_self: bool) -> dict:
    waiting = group.waiting
    first = ""
    if group.content:
        first = (group.content[0] or {}).get("text", "")
    due = min((p.publish_at for p in waiting if p.publish_at), default=None)
    stages = sorted({p.review_state for p in waiting}, key=WAITING.index)
    own = group.created_by_id == viewer.pk
    return {
        "group": group,
        "text": first,
        "due": due,
        "overdue": bool(due and due <= timezone.now()),
        "channels": waiting,
        "stages": [STAGE_LABELS[s] for s in stages],
        "approvable": can_approve and "needs_review" in stages and (allow_self or not own),
        "own": own,
    }


@organization_view("organization.view")
@require_GET
def approvals(request):
    """Anyone in the organization: the posts waiting for a review, filtered; approvers get
    a tick box per group and Approve selected."""
    organization = request.organization
    zone = cal.zone_for(request.user, organization)
    form = FilterForm(request.GET or None, organization=organization)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    groups = review_queryset(organization=organization, data=data, zone=zone)
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    can_approve = request.membership.can("posts.approve")
    allow_self = bool(getattr(organization, "allow_self_approval", False))
    groups = list(page.object_list)
    versions = review_versions(groups)
    rows = [
        _row(g, viewer=request.user, can_approve=can_approve, allow_self=allow_self)
        | {"version": versions[g.pk]}
        for g in groups
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organization": organization,
        "form": form,
        "page": page,
        "rows": rows,
        "zone": zone.key,
        "can_approve": can_approve,
        "filtered": bool(data and any(data.values())),
        "query": query.urlencode(),
        "here": request.get_full_path(),
    }
    with timezone.override(zone):
        return render(request, "posts/approvals.html", context)


def _back(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@organization_view("posts.approve")
@require_POST
def approvals_bulk(request):
    """posts.approve: approve the ticked groups; each refusal is said for its post, and
    the others are approved all the same."""
    organization = request.organization
    ids = [i for i in request.POST.getlist("group") if i.isdigit() and len(i) < 18][:PAGE_SIZE]
    found = {g.pk: g for g in selectors.groups_for(organization=organization).filter(pk__in=ids)}
    approved = 0
    for raw in ids:
        group = found.get(int(raw))
        if group is None:
            messages.error(request, _("One of the ticked posts no longer exists; it was skipped."))
            continue
        try:
            # The version the list showed: an edit made since is not approved unseen.
            approval_services.review_approve(
                group=group,
                actor=request.user,
                expected_version=request.POST.get(f"version-{group.pk}") or None,
            )
        except (approval_services.ReviewError, ValidationError) as exc:
            messages.error(request, f"{_title(group)}: {_say(exc)}")
        else:
            approved += 1
    if approved:
        messages.success(
            request,
            ngettext("Approved %(count)s post.", "Approved %(count)s posts.", approved)
            % {"count": approved},
        )
    elif not ids:
        messages.info(request, _("Tick the posts to approve first."))
    return redirect(_back(request, reverse("posts:approvals", args=[organization.slug])))


def _title(group) -> str:
    text = ""
    if group.content:
        text = (group.content[0] or {}).get("text", "")
    text = " ".join(text.split())
    return (
        f"“{text[:60]}{'…' if len(text) > 60 else ''}”"
        if text
        else _("Post %(id)s") % {"id": group.pk}
    )


def _say(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


# -- One group's review panel --------------------------------------------------------------
class ReviewCommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _group_or_404(request, group_id):
    group = selectors.groups_for(organization=request.organization).filter(pk=_pk(group_id))
    group = group.select_related("created_by").first()
    if group is None:
        raise Http404("No such post.")
    return group


def _pk(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _panel_posts(group) -> list[Post]:
    items = PostItem.objects.order_by("position").prefetch_related("attachments__media")
    return list(
        selectors.posts_for(organization=group.organization)
        .filter(group=group)
        .select_related("integration", "integration__customer")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("id")
    )


@organization_view("organization.view")
def review(request, group_id: int):
    """Anyone in the organization: a group's review panel; a POST adds a comment
    (posts.edit). Decisions are separate forms, for approvers only."""
    group = _group_or_404(request, group_id)
    organization = request.organization
    form = ReviewCommentForm(request.POST or None)
    if request.method == "POST":
        if not request.membership.can("posts.edit"):
            raise _denied(request)
        if form.is_valid():
            try:
                approval_services.review_comment(
                    group=group, actor=request.user, body=form.cleaned_data["body"]
                )
            except (approval_services.ReviewError, ValidationError) as exc:
                form.add_error("body", _say(exc))
            else:
                messages.success(request, _("Comment added."))
                return redirect(_review_url(request, group) + "#thread")
    zone = cal.zone_for(request.user, organization)
    posts = _panel_posts(group)
    waiting = [p for p in posts if p.review_state in WAITING]
    can_approve = request.membership.can("posts.approve")
    own = group.created_by_id == request.user.pk
    allow_self = bool(getattr(organization, "allow_self_approval", False))
    context = {
        "organization": organization,
        "group": group,
        "posts": posts,
        "previews": post_previews(posts),
        "waiting": waiting,
        "thread": approval_services.review_thread(group=group),
        "diff": approval_services.review_diff(group=group),
        "form": form,
        "can_approve": can_approve,
        "can_comment": request.membership.can("posts.edit"),
        "self_refused": can_approve and own and not allow_self,
        "decidable": can_approve
        and any(p.review_state == "needs_review" for p in posts)
        and (allow_self or not own),
        "version": approval_services.review_version(group=group),
        "zone": zone.key,
        "overdue": any(p.publish_at and p.publish_at <= timezone.now() for p in waiting),
    }
    with timezone.override(zone):
        return render(request, "posts/review.html", context, status=400 if form.errors else 200)


def _denied(request):
    role = request.membership.get_role_display()
    return PermissionDenied(_("Your role (%(role)s) does not allow this.") % {"role": role})


def _review_url(request, group) -> str:
    return reverse("posts:review", args=[request.organization.slug, group.pk])


@organization_view("posts.approve")
@require_POST
def review_decide(request, group_id: int, action: str):
    """posts.approve: approve, request changes or reject the group's posts in review."""
    group = _group_or_404(request, group_id)
    body = (request.POST.get("body") or "").strip()
    try:
        if action == "approve":
            approval_services.review_approve(
                group=group,
                actor=request.user,
                expected_version=request.POST.get("version") or None,
                **_late_kwargs(request),
            )
            messages.success(request, _("Approved."))
        elif action == "changes":
            if not body:
                messages.error(request, _("Say what should change, so the author can fix it."))
                return redirect(_review_url(request, group) + "#decide")
            approval_services.review_request_changes(group=group, actor=request.user, body=body)
            messages.success(request, _("Changes requested; the author was told."))
        elif action == "reject":
            approval_services.review_reject(group=group, actor=request.user, body=body)
            messages.success(request, _("Rejected: it will not go out."))
        else:
            raise Http404("No such action.")
    except (approval_services.ReviewError, ValidationError) as exc:
        messages.error(request, _say(exc))
    return redirect(_review_url(request, group))


def _late_kwargs(request) -> dict:
    # A post whose time passed goes out now only when the approver ticked so.
    return {"post_now": request.POST.get("post_now") == "1"}

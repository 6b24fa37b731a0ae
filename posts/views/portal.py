"""The client portal: a customer's posts waiting for them, opened with a signed link
(``/portal/<token>/``) and no account, to approve, send back with a comment, or comment on.

The team makes and revokes the links from the customer's settings. Every answer re-reads
the link, so a revoked or expired link stops working even on a page already open."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from integrations import selectors as channel_selectors
from organizations.access import organization_view
from postiz.http import client_ip
from posts.models import Post, PostGroup, PostItem
from posts.services import approvals as approval_services
from posts.services import sharing as link_services
from posts.sharing.models import PortalLink
from posts.states import State
from posts.views.public import (
    live_posts_prefetch,
    post_previews,
    public_page,
    review_versions,
    unavailable,
)

CLIENT_REVIEW = "needs_client_review"
TOO_MANY = gettext_lazy("Too many comments in a short time; try again in a few minutes.")


class NameForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=100,
        help_text=gettext_lazy("The team sees it next to your decisions and comments."),
    )


class PortalLinkForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Who it is for"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("For telling links apart, e.g. “Marketing at Acme”."),
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Works for"),
        coerce=int,
        choices=[
            (d, ngettext_lazy("%(n)s day", "%(n)s days", "n") % {"n": d})
            for d in link_services.PORTAL_DAYS
        ],
        initial=link_services.PORTAL_DAYS[0],
    )


def _name_key(link: PortalLink) -> str:
    return f"postiz_portal_name:{link.pk}"


def _open(request, token):
    try:
        return link_services.portal_link_open(token=token), None
    except link_services.LinkUnavailable as error:
        return None, unavailable(request, error, title=_("This review link does not open"))


def waiting_groups(*, customer, group_pk=None) -> list[PostGroup]:
    """The customer's groups waiting for the client, each with only its posts that wait
    for this customer (``group.client_posts``), in a fixed number of queries."""
    items = PostItem.objects.order_by("position").prefetch_related("attachments__media")
    posts = (
        Post.objects.filter(
            integration__customer=customer,
            integration__deleted_at__isnull=True,
            state=State.REVIEW,
            review_state=CLIENT_REVIEW,
        )
        .select_related("integration")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("publish_at", "id")
    )
    groups = approval_services.reviews_waiting(
        organization=customer.organization, customer=customer, stage="client"
    )
    if group_pk is not None:
        groups = groups.filter(pk=group_pk)
    groups = groups.prefetch_related(
        Prefetch("posts", queryset=posts, to_attr="client_posts"), live_posts_prefetch()
    )
    return [g for g in groups if g.client_posts]


def _cards(groups) -> list[dict]:
    versions = review_versions(groups)
    return [
        {
            "group": group,
            "previews": post_previews(group.client_posts),
            "version": versions[group.pk],
            "title": _first_line(group.client_posts),
            "publish_at": min(
                (p.publish_at for p in group.client_posts if p.publish_at), default=None
            ),
        }
        for group in groups
    ]


def _first_line(posts) -> str:
    for post in posts:
        for item in post.items.all():
            text = " ".join(item.content.split())
            if text:
                return text if len(text) <= 60 else text[:59].rstrip() + "…"
    return _("A post without text")


def _portal(request, link, *, error_group=None, status=200):
    groups = waiting_groups(customer=link.customer)
    return render(
        request,
        "posts/portal.html",
        {
            "link": link,
            "token": request.resolver_match.kwargs["token"],
            "customer": link.customer,
            "name": request.session.get(_name_key(link), ""),
            "name_form": NameForm(),
            "cards": _cards(groups),
            "zone": link.organization.timezone or "UTC",
            "error_group": error_group,
        },
        status=status,
    )


@public_page
def portal(request, token: str):
    """Anyone holding a live link: the customer's posts waiting for them. A POST here
    records the reviewer's name for the session."""
    link, gone = _open(request, token)
    if gone:
        return gone
    if request.method == "POST":
        form = NameForm(request.POST)
        if form.is_valid():
            request.session[_name_key(link)] = form.cleaned_data["name"].strip()
            return redirect("portal", token)
        messages.error(
            request,
            _("Type your name (up to 100 characters) so the team knows who is reviewing."),
        )
    return _portal(request, link)


# Each answer of the review service, as the client reads it.
def _message_for(exc: Exception) -> str:
    if isinstance(exc, approval_services.ReviewStale):
        return _(
            "This post was changed a moment ago. The new version is shown below: "
            "please look at it again before you decide."
        )
    if isinstance(exc, approval_services.ReviewNotWaiting):
        return _("This post was already decided, so nothing changed. The list below is up to date.")
    if isinstance(exc, approval_services.ReviewTooLate):
        return _(
            "The time planned for this post has passed, so it cannot be approved as it is. "
            "The team was told and will choose a new time."
        )
    return str(exc)


@public_page
@require_POST
def portal_act(request, token: str, group_id: str, action: str):
    """Anyone holding a live link, named in the session: approve, request changes or
    comment on one of this customer's waiting groups; any other group is not found."""
    link, gone = _open(request, token)
    if gone:
        return gone
    name = request.session.get(_name_key(link), "")
    if not name:
        messages.error(request, _("Type your name first, so the team knows who decided."))
        return redirect("portal", token)
    return _decide(
        request,
        customer=link.customer,
        name=name,
        group_id=group_id,
        action=action,
        back=reverse("portal", args=[token]),
        link=link,
        not_found="posts/public_unavailable.html",
    )


def _decide(request, *, customer, name, group_id, action, back, not_found, link=None):
    """A client's decision on one of ``customer``'s groups waiting for them (a comment may
    also follow a decision); any other group, of this customer or another, is not found."""
    group = PostGroup.objects.filter(
        organization=customer.organization,
        public_id=_uuid_or_none(group_id),
        deleted_at__isnull=True,
    ).first()
    groups = waiting_groups(customer=customer, group_pk=group.pk) if group else []
    # A comment may follow a decision: any group with a post on this customer's channels
    # may take one, never another customer's.
    if (
        action == "comment"
        and group is not None
        and not groups
        and Post.objects.filter(group=group, integration__customer=customer).exists()
    ):
        groups = [group]
    if not groups:
        return render(
            request,
            not_found,
            {
                "title": _("This post is not waiting for you"),
                "message": _(
                    "It may have been decided already, or it is not one of your posts. "
                    "Go back to your list of posts to review."
                ),
                "back": back,
            },
            status=404,
        )
    group = groups[0]
    here = back + f"#group-{group.public_id}"
    body = (request.POST.get("body") or "").strip()
    if len(body) > 5000:
        messages.error(request, _("Keep the comment to 5,000 characters or fewer."))
        return redirect(here)
    common = {"group": group, "customer": customer, "portal_label": name}
    try:
        if action == "approve":
            approval_services.review_approve(
                **common,
                posts=list(group.client_posts),
                expected_version=request.POST.get("version") or None,
            )
            messages.success(request, _("Approved. Thank you: the team was told."))
        elif action == "changes":
            if not body:
                messages.error(request, _("Say what should change, so the team can fix it."))
                return redirect(here)
            approval_services.review_request_changes(
                **common, body=body, posts=list(group.client_posts)
            )
            messages.success(request, _("Sent back to the team with your comment."))
        elif action == "comment":
            if not body:
                messages.error(request, _("Write a comment first."))
                return redirect(here)
            # Links are anonymous, so their comments are counted; a signed-in client is not.
            if link is not None and not link_services.link_comment_allowed(
                link=link, address=client_ip(request)
            ):
                messages.error(request, TOO_MANY)
                return redirect(back)
            approval_services.review_comment(**common, body=body)
            messages.success(request, _("Your comment was sent to the team."))
        else:
            raise Http404("No such action.")
    except approval_services.ReviewError as exc:
        messages.error(request, _message_for(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)


# -- Client accounts: the same page for a signed-in member limited to customers ------------
@organization_view("organization.view")
def client_review(request):
    """posts.review_as_client (a client account): the posts waiting for each of the
    customers the member is limited to, as the portal shows them. The team reviews on the
    Approvals list, where this page sends them."""
    organization = request.organization
    if not request.membership.can("posts.review_as_client"):
        return redirect("posts:approvals", organization.slug)
    sections = []
    for customer in channel_selectors.customers_for(organization=organization):
        sections.append(
            {
                "customer": customer,
                "cards": _cards(waiting_groups(customer=customer)),
                "act_base": reverse("posts:client_review", args=[organization.slug])
                + f"{customer.pk}/posts/",
            }
        )
    return render(
        request,
        "posts/client_review.html",
        {
            "organization": organization,
            "sections": sections,
            "zone": request.user.timezone or organization.timezone or "UTC",
            "name": request.user.display_name,
        },
    )


@organization_view("organization.view")
@require_POST
def client_review_act(request, customer_id: int, group_id: str, action: str):
    """posts.review_as_client: decide on a group of one of the member's customers, under
    the member's name; another customer's (or organization's) is not found, whoever asks."""
    customer = _customer_or_404(request, customer_id)
    if not request.membership.can("posts.review_as_client"):
        raise PermissionDenied(_("Only a client account reviews here; the team uses Approvals."))
    return _decide(
        request,
        customer=customer,
        name=request.user.display_name,
        group_id=group_id,
        action=action,
        back=reverse("posts:client_review", args=[request.organization.slug]),
        not_found="posts/client_review_missing.html",
    )


def _uuid_or_none(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# -- The team's side: a customer's links ------------------------------------------------------
def _customer_or_404(request, customer_id):
    customer = channel_selectors.customer_get(organization=request.organization, pk=customer_id)
    if customer is None:
        raise Http404("No such customer.")
    return customer


@organization_view("posts.approve")
def portal_links(request, customer_id: int):
    """posts.approve: a customer's portal links; a POST makes one and shows it once."""
    customer = _customer_or_404(request, customer_id)
    form = PortalLinkForm(request.POST or None)
    new_url = ""
    if request.method == "POST" and form.is_valid():
        try:
            _link, token = link_services.portal_link_create(
                customer=customer,
                actor=request.user,
                days=form.cleaned_data["days"],
                label=form.cleaned_data["label"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            new_url = request.build_absolute_uri(reverse("portal", args=[token]))
            form = PortalLinkForm()
    links = list(
        PortalLink.objects.filter(organization=request.organization, customer=customer)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "posts/portal_links.html",
        {
            "organization": request.organization,
            "customer": customer,
            "form": form,
            "links": links,
            "new_url": new_url,
            "zone": request.user.timezone or request.organization.timezone or "UTC",
        },
        status=400 if form.errors else 200,
    )


@organization_view("posts.approve")
@require_POST
def portal_link_revoke(request, customer_id: int, link_id: int):
    """posts.approve: turn a portal link off at once; others' links are not found."""
    customer = _customer_or_404(request, customer_id)
    link = PortalLink.objects.filter(
        organization=request.organization, customer=customer, pk=link_id
    ).first()
    if link is None:
        raise Http404("No such link.")
    link_services.portal_link_revoke(link=link, actor=request.user, request=request)
    messages.success(
        request, _("The review link ending …%(hint)s no longer opens.") % {"hint": link.hint}
    )
    return redirect("posts:portal_links", request.organization.slug, customer.pk)

"""Preview links: a read-only page of one post group for people without an account
(``/p/<token>/``, the path Postiz's share links use), and the team's page to make and
revoke them from the composer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from organizations.access import organization_view
from postiz.http import client_ip
from posts import selectors
from posts.models import Post, PostItem
from posts.services import sharing as link_services
from posts.sharing.models import PreviewLink
from posts.states import State
from posts.views.public import post_previews, public_page, unavailable

# The name a visitor gave is kept in their session, so they type it once.
NAME_KEY = "postiz_reviewer_name"
TOO_MANY = gettext_lazy("Too many comments in a short time; try again in a few minutes.")


class VisitorCommentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=80)
    body = forms.CharField(
        label=gettext_lazy("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class PreviewLinkForm(forms.Form):
    days = forms.TypedChoiceField(
        label=gettext_lazy("Works for"),
        coerce=int,
        choices=[
            (d, ngettext_lazy("%(n)s day", "%(n)s days", "n") % {"n": d})
            for d in link_services.PREVIEW_DAYS
        ],
        initial=link_services.PREVIEW_DAYS[0],
    )
    allow_comments = forms.BooleanField(
        label=gettext_lazy("Let whoever opens it leave a comment"), required=False
    )


def _shown_posts(group_id: int) -> list[Post]:
    """The group's posts a visitor sees: live channels, not cancelled, with their threads."""
    items = PostItem.objects.order_by("position").prefetch_related("attachments__media")
    return list(
        Post.objects.filter(group_id=group_id, integration__deleted_at__isnull=True)
        .exclude(state=State.CANCELLED)
        .select_related("integration")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("id")
    )


# -- The public page --------------------------------------------------------------------
@public_page
def preview_page(request, token: str):
    """Anyone holding the link: the group's posts as each network shows them, nothing else."""
    try:
        link = link_services.preview_link_open(token=token)
    except link_services.LinkUnavailable as error:
        return unavailable(request, error, title=_("This preview is not available"))
    form = None
    if link.allow_comments:
        initial = {"name": request.session.get(NAME_KEY, "")}
        form = VisitorCommentForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            if not link_services.link_comment_allowed(link=link, address=client_ip(request)):
                form.add_error(None, TOO_MANY)
            else:
                name = form.cleaned_data["name"].strip()
                try:
                    link_services.preview_comment_add(
                        link=link, name=name, body=form.cleaned_data["body"]
                    )
                except ValidationError as exc:
                    form.add_error(None, " ".join(exc.messages))
                else:
                    request.session[NAME_KEY] = name
                    messages.success(request, _("Thank you: your comment was sent to the team."))
                    return redirect(request.path)
    elif request.method == "POST":
        return render(
            request,
            "posts/public_unavailable.html",
            {
                "title": _("Comments are off"),
                "message": _("This preview does not take comments."),
            },
            status=405,
        )
    posts = _shown_posts(link.group_id)
    return render(
        request,
        "posts/preview_page.html",
        {
            "link": link,
            "previews": post_previews(posts),
            "form": form,
            "zone": link.organization.timezone,
        },
        status=400 if form is not None and form.errors else 200,
    )


# -- The team's side ------------------------------------------------------------------------
def _group_or_404(request, group_id):
    group = selectors.group_get(organization=request.organization, pk=group_id)
    if group is None:
        raise Http404("No such post.")
    return group


@organization_view("posts.edit")
def preview_links(request, group_id: int):
    """posts.edit: the group's preview links; a POST makes one and shows it once."""
    group = _group_or_404(request, group_id)
    form = PreviewLinkForm(request.POST or None)
    new_url = ""
    if request.method == "POST" and form.is_valid():
        try:
            _link, token = link_services.preview_link_create(
                group=group,
                actor=request.user,
                days=form.cleaned_data["days"],
                allow_comments=form.cleaned_data["allow_comments"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            new_url = request.build_absolute_uri(reverse("post_preview", args=[token]))
            form = PreviewLinkForm()
    links = list(
        PreviewLink.objects.filter(organization=request.organization, group=group)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "posts/preview_links.html",
        {
            "organization": request.organization,
            "group": group,
            "form": form,
            "links": links,
            "new_url": new_url,
            "zone": request.user.timezone or request.organization.timezone or "UTC",
        },
        status=400 if form.errors else 200,
    )


@organization_view("posts.edit")
@require_POST
def preview_link_revoke(request, group_id: int, link_id: int):
    """posts.edit: turn a preview link off; another organization's link is not found."""
    group = _group_or_404(request, group_id)
    link = PreviewLink.objects.filter(
        organization=request.organization, group=group, pk=link_id
    ).first()
    if link is None:
        raise Http404("No such link.")
    link_services.preview_link_revoke(link=link, actor=request.user, request=request)
    messages.success(
        request, _("The preview link ending …%(hint)s no longer opens.") % {"hint": link.hint}
    )
    return redirect("posts:preview_links", request.organization.slug, group.pk)

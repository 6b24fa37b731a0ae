"""Signatures, sets and tags: what posts are written with. Each page lists, creates,
edits and deletes; every object is read through ``posts.selectors`` (another
organization's id is a 404) and every write goes through ``posts.services.library``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.access import organization_view
from organizations.forms import add_service_errors
from posts import selectors
from posts.forms import RenameForm, SignatureForm, TagForm
from posts.services import library as services


def _or_404(obj, what: str):
    if obj is None:
        raise Http404(f"No such {what}.")
    return obj


def _url(request, name: str) -> str:
    return reverse(f"posts:{name}", args=[request.organization.slug])


# -- Signatures -------------------------------------------------------------------------
@organization_view("posts.edit")
def signatures(request):
    """The organization's signatures, and a form to add one."""
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signature = services.signature_create(
                organization=request.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Signature %(name)s added.") % {"name": signature.name})
            return redirect(_url(request, "signatures"))
    return render(
        request,
        "posts/signatures.html",
        {
            "organization": request.organization,
            "signatures": selectors.signatures_for(organization=request.organization),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@organization_view("posts.edit")
def signature_edit(request, pk: int):
    signature = _or_404(
        selectors.signature_get(organization=request.organization, pk=pk), "signature"
    )
    initial = {"name": signature.name, "content": signature.content}
    initial["is_default"] = signature.is_default
    form = SignatureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.signature_update(signature=signature, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Signature %(name)s saved.") % {"name": signature.name})
            return redirect(_url(request, "signatures"))
    return render(
        request,
        "posts/signatures_edit.html",
        {"organization": request.organization, "signature": signature, "form": form},
        status=400 if form.errors else 200,
    )


@organization_view("posts.edit")
@require_POST
def signature_delete(request, pk: int):
    signature = _or_404(
        selectors.signature_get(organization=request.organization, pk=pk), "signature"
    )
    services.signature_delete(signature=signature, actor=request.user)
    messages.success(request, _("Signature %(name)s deleted.") % {"name": signature.name})
    return redirect(_url(request, "signatures"))


# -- Sets -------------------------------------------------------------------------------
@organization_view("posts.edit")
def sets(request):
    """Saved sets; a set is made from the composer ("Save as set")."""
    return render(
        request,
        "posts/sets.html",
        {
            "organization": request.organization,
            "sets": selectors.sets_for(organization=request.organization),
        },
    )


@organization_view("posts.edit")
@require_POST
def set_rename(request, pk: int):
    post_set = _or_404(selectors.set_get(organization=request.organization, pk=pk), "set")
    form = RenameForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the set a name of at most 100 characters."))
        services.post_set_rename(
            post_set=post_set, actor=request.user, name=form.cleaned_data["name"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Set renamed to %(name)s.") % {"name": post_set.name})
    return redirect(_url(request, "sets"))


@organization_view("posts.edit")
@require_POST
def set_delete(request, pk: int):
    post_set = _or_404(selectors.set_get(organization=request.organization, pk=pk), "set")
    services.post_set_delete(post_set=post_set, actor=request.user)
    messages.success(request, _("Set %(name)s deleted.") % {"name": post_set.name})
    return redirect(_url(request, "sets"))


# -- Tags -------------------------------------------------------------------------------
@organization_view("posts.edit")
def tags(request):
    """The organization's tags with their colours, and a form to add one."""
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = services.tag_create(
                organization=request.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Tag %(name)s added.") % {"name": tag.name})
            return redirect(_url(request, "tags"))
    return render(
        request,
        "posts/tags.html",
        {
            "organization": request.organization,
            "tags": selectors.tags_for(organization=request.organization),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@organization_view("posts.edit")
def tag_edit(request, pk: int):
    tag = _or_404(selectors.tag_get(organization=request.organization, pk=pk), "tag")
    form = TagForm(request.POST or None, initial={"name": tag.name, "color": tag.color})
    if request.method == "POST" and form.is_valid():
        try:
            services.tag_update(tag=tag, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Tag %(name)s saved.") % {"name": tag.name})
            return redirect(_url(request, "tags"))
    return render(
        request,
        "posts/tags_edit.html",
        {"organization": request.organization, "tag": tag, "form": form},
        status=400 if form.errors else 200,
    )


@organization_view("posts.edit")
@require_POST
def tag_delete(request, pk: int):
    tag = _or_404(selectors.tag_get(organization=request.organization, pk=pk), "tag")
    services.tag_delete(tag=tag, actor=request.user)
    messages.success(
        request, _("Tag %(name)s deleted; posts that had it keep their text.") % {"name": tag.name}
    )
    return redirect(_url(request, "tags"))

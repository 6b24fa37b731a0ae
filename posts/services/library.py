"""Every write to what posts are written with: signatures, sets, tags and internal comments.

Each service raises ``ValidationError`` with the field to fix; views show it on the form.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Organization
from posts.models import Comment, PostGroup, PostSet, Signature, Tag

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_SIGNATURE = 2000
MAX_COMMENT = 5000


# Whole sentences per kind of thing named, so each language can word them its own way.
_NAME_MISSING = {
    "signature": gettext_lazy("Give the signature a name."),
    "set": gettext_lazy("Give the set a name."),
    "tag": gettext_lazy("Give the tag a name."),
}
_NAME_TOO_LONG = {
    "signature": gettext_lazy("Keep the signature name under %(count)d characters."),
    "set": gettext_lazy("Keep the set name under %(count)d characters."),
    "tag": gettext_lazy("Keep the tag name under %(count)d characters."),
}


def _clean_name(name: str, *, max_length: int, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": str(_NAME_MISSING[what])})
    if len(name) > max_length:
        raise ValidationError({"name": str(_NAME_TOO_LONG[what]) % {"count": max_length}})
    return name


# -- Signatures -------------------------------------------------------------------------
def _clean_signature(content: str) -> str:
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": _("Write the signature's text.")})
    if len(content) > MAX_SIGNATURE:
        raise ValidationError(
            {
                "content": _("Keep a signature under %(count)d characters.")
                % {"count": MAX_SIGNATURE}
            }
        )
    return content


def _make_default(signature: Signature) -> None:
    # Lock the organization's signatures so two people marking defaults at once queue up;
    # the partial unique constraint would refuse the second otherwise.
    list(Signature.objects.select_for_update().filter(organization=signature.organization_id))
    Signature.objects.filter(organization=signature.organization_id, is_default=True).exclude(
        pk=signature.pk
    ).update(is_default=False)
    Signature.objects.filter(pk=signature.pk).update(is_default=True)
    signature.is_default = True


@transaction.atomic
def signature_create(
    *, organization: Organization, actor, name: str, content: str, is_default: bool = False
) -> Signature:
    """posts.edit; at most one default per organization (marking one unmarks the other)."""
    signature = Signature.objects.create(
        organization=organization,
        name=_clean_name(name, max_length=100, what="signature"),
        content=_clean_signature(content),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if is_default:
        _make_default(signature)
    return signature


@transaction.atomic
def signature_update(
    *, signature: Signature, actor, name: str, content: str, is_default: bool
) -> Signature:
    """posts.edit; changes the text and whether it is the default."""
    signature.name = _clean_name(name, max_length=100, what="signature")
    signature.content = _clean_signature(content)
    signature.save(update_fields=["name", "content"])
    if is_default:
        _make_default(signature)
    else:
        Signature.objects.filter(pk=signature.pk).update(is_default=False)
        signature.is_default = False
    return signature


@transaction.atomic
def signature_delete(*, signature: Signature, actor) -> None:
    """posts.edit; posts that already carry its text keep it."""
    signature.delete()


# -- Sets -------------------------------------------------------------------------------
def _clean_set_content(content: dict) -> dict:
    """{"channels": [ids], "content": [items], "settings": {channel id: {...}}}"""
    if not isinstance(content, dict):
        raise ValidationError({"content": _("A set holds channels, text and settings.")})
    channels = [int(c) for c in content.get("channels", []) if str(c).isdigit()]
    items = [
        {
            "text": str(entry.get("text", ""))[:20000],
            "media": [int(m) for m in entry.get("media", []) if str(m).isdigit()],
            "delay_minutes": int(entry.get("delay_minutes") or 0),
        }
        for entry in content.get("content", [])
        if isinstance(entry, dict)
    ]
    settings = {
        str(k): v for k, v in (content.get("settings") or {}).items() if isinstance(v, dict)
    }
    if not items and not channels:
        raise ValidationError({"content": _("Write something or choose channels to save a set.")})
    return {"channels": channels, "content": items, "settings": settings}


@transaction.atomic
def post_set_create(*, organization: Organization, actor, name: str, content: dict) -> PostSet:
    """posts.edit; saves the composer's channels, thread and settings under a name."""
    return PostSet.objects.create(
        organization=organization,
        name=_clean_name(name, max_length=100, what="set"),
        content=_clean_set_content(content),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def post_set_rename(*, post_set: PostSet, actor, name: str) -> PostSet:
    """posts.edit; only the name changes."""
    post_set.name = _clean_name(name, max_length=100, what="set")
    post_set.save(update_fields=["name", "updated_at"])
    return post_set


@transaction.atomic
def post_set_update(
    *, post_set: PostSet, actor, name: str | None = None, content: dict | None = None
) -> PostSet:
    """posts.edit; renames the set and/or replaces what it holds (channels, thread,
    settings), checked as when it was made. Posts started from it are not affected."""
    fields = ["updated_at"]
    if name is not None:
        post_set.name = _clean_name(name, max_length=100, what="set")
        fields.append("name")
    if content is not None:
        post_set.content = _clean_set_content(content)
        fields.append("content")
    post_set.save(update_fields=fields)
    return post_set


@transaction.atomic
def post_set_delete(*, post_set: PostSet, actor) -> None:
    """posts.edit; posts started from it are not affected."""
    post_set.delete()


# -- Tags -------------------------------------------------------------------------------
def _clean_color(color: str) -> str:
    color = (color or "").strip()
    if not _COLOR.match(color):
        raise ValidationError({"color": _("Pick a colour written as #rrggbb, e.g. #5b4bdb.")})
    return color.lower()


def _tag_taken(organization_id: int, name: str, exclude: Tag | None = None) -> bool:
    qs = Tag.objects.annotate(lname=Lower("name")).filter(
        organization_id=organization_id, lname=name.lower()
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.exists()


def _save_tag(tag: Tag, fields=None) -> Tag:
    if _tag_taken(tag.organization_id, tag.name, exclude=tag if tag.pk else None):
        raise ValidationError(
            {"name": _("There is already a tag called %(name)s.") % {"name": tag.name}}
        )
    try:
        with transaction.atomic():
            tag.save(update_fields=fields) if fields else tag.save()
    except IntegrityError:
        raise ValidationError(
            {"name": _("There is already a tag called %(name)s.") % {"name": tag.name}}
        ) from None
    return tag


@transaction.atomic
def tag_create(*, organization: Organization, actor, name: str, color: str = "#5b4bdb") -> Tag:
    """posts.edit; names are unique per organization, ignoring case."""
    tag = Tag(
        organization=organization,
        name=_clean_name(name, max_length=50, what="tag"),
        color=_clean_color(color),
    )
    return _save_tag(tag)


@transaction.atomic
def tag_update(*, tag: Tag, actor, name: str, color: str) -> Tag:
    """posts.edit; renames and recolours; posts keep the tag."""
    tag.name = _clean_name(name, max_length=50, what="tag")
    tag.color = _clean_color(color)
    return _save_tag(tag, ["name", "color", "updated_at"])


@transaction.atomic
def tag_delete(*, tag: Tag, actor) -> None:
    """posts.edit; the tag is removed from every post that had it."""
    tag.delete()


# -- Comments ---------------------------------------------------------------------------
@transaction.atomic
def comment_add(*, group: PostGroup, author, body: str) -> Comment:
    """Any member who may see the organization; a note the team sees, never published."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > MAX_COMMENT:
        raise ValidationError(
            {"body": _("Keep a comment under %(count)d characters.") % {"count": MAX_COMMENT}}
        )
    return Comment.objects.create(
        organization_id=group.organization_id, group=group, author=author, body=body
    )


@transaction.atomic
def comment_delete(*, comment: Comment, actor, may_moderate: bool = False) -> None:
    """Its author, or someone who may edit posts (``may_moderate``); hides it."""
    if comment.author_id != getattr(actor, "pk", None) and not may_moderate:
        raise ValidationError(_("Only its author can delete this comment."))
    Comment.objects.filter(pk=comment.pk).update(deleted_at=timezone.now())

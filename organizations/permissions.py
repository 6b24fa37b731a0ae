"""Roles and what each may do: the one table code consults.

Code asks ``membership.can("posts.publish")``; it never compares roles.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", pgettext_lazy("role", "Admin")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")
    # An invited client's account: always limited to one or more customers (a membership
    # with this role and no customer limitation is refused by the database).
    CLIENT = "client", _("Client")


PERMISSIONS: dict[str, str] = {
    "organization.view": "See the organization, its calendar, channels and media",
    "organization.manage": "Rename the organization and change its time zone",
    "organization.delete": "Delete the organization",
    "members.view": "See who is in the organization",
    "members.manage": "Invite, remove and change the role of members",
    "audit.view": "Read the audit log",
    "channels.manage": "Connect, reconnect, disable and delete channels",
    "posts.edit": "Write and edit posts and drafts",
    "posts.publish": "Schedule and publish posts",
    "posts.approve": "Approve, reject or request changes to posts",
    "media.manage": "Upload and delete media",
    "billing.manage": "Choose a plan and manage payment",
    "apikeys.manage": "Create and revoke API keys",
    "webhooks.manage": "Create and delete webhooks",
    "posts.review_as_client": "Review posts waiting for the client's approval",
}

# What concerns the whole organization rather than some customers' channels: a member
# limited to customers never has these, whatever their role (Membership.can).
ORGANIZATION_WIDE: frozenset[str] = frozenset(
    {
        "organization.manage",
        "organization.delete",
        "members.view",
        "members.manage",
        "audit.view",
        "channels.manage",
        "billing.manage",
        "webhooks.manage",
    }
)

_VIEWER = {"organization.view", "members.view"}
_EDITOR = _VIEWER | {"posts.edit", "posts.publish", "media.manage"}
_ADMIN = _EDITOR | {
    "organization.manage",
    "members.manage",
    "audit.view",
    "channels.manage",
    "posts.approve",
    "apikeys.manage",
    "webhooks.manage",
}
_OWNER = set(PERMISSIONS) - {"posts.review_as_client"}
_CLIENT = {"organization.view", "posts.review_as_client"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(_OWNER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.EDITOR: frozenset(_EDITOR),
    Role.VIEWER: frozenset(_VIEWER),
    Role.CLIENT: frozenset(_CLIENT),
}


def role_can(role: str, permission: str, *, customer_limited: bool = False) -> bool:
    """Whether the role has the permission; a member limited to customers never has an
    organization-wide one."""
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")
    if customer_limited and permission in ORGANIZATION_WIDE:
        return False
    return permission in ROLE_PERMISSIONS.get(role, frozenset())

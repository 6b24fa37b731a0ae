"""Roles and what each may do: the one table code consults.

Code asks ``membership.can("posts.publish")``; it never compares roles.
"""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


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
}

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
_OWNER = set(PERMISSIONS)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(_OWNER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.EDITOR: frozenset(_EDITOR),
    Role.VIEWER: frozenset(_VIEWER),
}


def role_can(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS.get(role, frozenset())

"""What the native views share: id parsing, not-found and validation answers."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions

from integrations import selectors as channel_selectors


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _not_found(thing: str):
    return exceptions.NotFound(f"{thing} not found.")


def _problem_from_django(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {k: [str(m) for m in v[0].messages] for k, v in error.error_dict.items()}
        )
    return exceptions.ValidationError({"non_field_errors": error.messages})


def _channel_or_none(view, public_id):
    """One of the key's organization's channels by its public id; None for anyone else's."""
    found = _uuid(public_id)
    if found is None:
        return None
    return (
        channel_selectors.integrations_for(organization=view.organization)
        .filter(public_id=found)
        .first()
    )


def _channel(view, public_id):
    """A channel named in the path: 404 when it is not the organization's."""
    row = _channel_or_none(view, public_id)
    if row is None:
        raise _not_found("Channel")
    return row


def _channel_in_body(view, public_id):
    """A channel named in the body: 400 saying which when it is not the organization's."""
    row = _channel_or_none(view, public_id)
    if row is None:
        raise exceptions.ValidationError({"channel_id": f"No channel {public_id} here."})
    return row


def _validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data

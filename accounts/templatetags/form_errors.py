"""Tie a form's own errors (not a field's) to its fields, for screen readers.

A sign-in that fails says so once, above the form ("The email address and/or password
you specified are not correct."); each field it concerns is then marked invalid and
described by that message, so a screen reader reads it on the field that gets the focus.

    {% load form_errors %}
    {% tied_to_errors field "form-errors" %}
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def tied_to_errors(field, error_id: str):
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    described.append(error_id)
    return field.as_widget(attrs={"aria-invalid": "true", "aria-describedby": " ".join(described)})

"""What the serializers of both API surfaces share: the base class of every answer body
and the timestamp field.

An answer serializer declares its fields once; they describe the answer in the OpenAPI
document and they write it. Requests are validated by ordinary DRF serializers.
"""

from __future__ import annotations

from operator import attrgetter, itemgetter

from django.db.models.expressions import RawSQL
from rest_framework import serializers

from postiz.api import iso_ms

# Fields whose value DRF would only pass through str, int, bool or float: written by
# those directly. None: written as they are (JSON objects and lists, chosen strings).
_PLAIN = {
    serializers.CharField: str,
    serializers.UUIDField: str,
    serializers.IntegerField: int,
    serializers.FloatField: float,
    serializers.BooleanField: bool,
    serializers.ChoiceField: None,
    serializers.DictField: None,
    serializers.JSONField: None,
}
_SKIP = object()


class TimestampField(serializers.DateTimeField):
    """UTC with milliseconds and ``Z`` (``2030-01-15T12:00:00.000Z``), as both APIs write
    every timestamp."""

    def to_representation(self, value):
        return iso_ms(value)


class AnswerSerializer(serializers.Serializer):
    """The base of every answer body.

    It writes a model instance, or a row of ``values()`` (a dict: what lists read, so no
    model is built per row). Each field reads its ``source``: an attribute path for an
    instance (``group.public_id``), the row's key for a row (``group__public_id``), or
    the whole object with ``source="*"`` (nested objects, ``SerializerMethodField``). A
    field with ``required=False`` is left out of the answer when its key or attribute is
    missing, or is None and the field does not ``allow_null``; otherwise None is null.

    Only the writing differs from DRF's: each field's reader and writer are worked out
    once per class (DRF deep-copies every declared field, nested serializers included,
    for each answer: 5 ms of a 20 ms page of 200 posts), and plain fields are written by
    ``str``, ``int`` or ``bool`` directly. Method fields and nested answers are bound to
    the serializer that writes, so they see its ``context``."""

    def to_representation(self, instance):
        out = {}
        for name, read, write, optional in self._writers(isinstance(instance, dict)):
            value = read(instance)
            if value is None:
                if not optional:
                    out[name] = None
            elif value is not _SKIP:
                out[name] = value if write is None else write(value)
        return out

    def _writers(self, rows: bool):
        try:
            return self._writer_cache[rows]
        except (AttributeError, KeyError):
            cache = self.__dict__.setdefault("_writer_cache", {})
            cache[rows] = [
                (name, read, self._bind(writer), optional)
                for name, read, writer, optional in _plan(type(self), rows)
            ]
            return cache[rows]

    def _bind(self, writer):
        """A class's writer made this serializer's: a method field's method, a nested
        answer serializer sharing this one's context."""
        if isinstance(writer, _Method):
            return getattr(self, writer.name)
        if isinstance(writer, _Nested):
            child = writer.cls(context=self.context)
            if writer.many:
                write = child.to_representation
                return lambda values: [write(value) for value in values]
            return child.to_representation
        return writer


class _Method:
    def __init__(self, name: str):
        self.name = name


class _Nested:
    def __init__(self, cls, many: bool):
        self.cls, self.many = cls, many


_PLANS: dict = {}


def _plan(cls, rows: bool) -> list:
    """(name, reader, writer, optional) for each field ``cls`` writes, from one instance's
    bound fields (bound once per class)."""
    try:
        return _PLANS[cls, rows]
    except KeyError:
        pass
    fields = cls()._readable_fields
    _PLANS[cls, rows] = plan = [
        (
            field.field_name,
            _reader(field, rows),
            _writer(field),
            not field.required and not field.allow_null,
        )
        for field in fields
    ]
    return plan


def _reader(field, rows: bool):
    source = field.source
    if source == "*":
        return _itself
    read = itemgetter(source) if rows else attrgetter(source)
    if field.required:
        return read
    missing = KeyError if rows else AttributeError

    def read_if_there(instance):
        try:
            return read(instance)
        except missing:
            return _SKIP

    return read_if_there


def _itself(instance):
    return instance


def _writer(field):
    kind = type(field)
    if kind in _PLAIN:
        return _PLAIN[kind]
    if isinstance(field, serializers.ListSerializer):
        if isinstance(field.child, AnswerSerializer):
            return _Nested(type(field.child), many=True)
        child = field.child
        return lambda values: [child.to_representation(value) for value in values]
    if isinstance(field, AnswerSerializer):
        return _Nested(kind, many=False)
    if kind is serializers.ListField and type(field.child) in _PLAIN:
        each = _PLAIN[type(field.child)]
        return list if each is None else (lambda values: [each(value) for value in values])
    if kind is TimestampField:
        return iso_ms
    if kind is serializers.SerializerMethodField:
        return _Method(field.method_name)
    return field.to_representation


def one_of(ids) -> RawSQL:
    """For ``<column>__in=one_of(ids)``: the ids of a page's rows sent as one array
    parameter. Django resolves an ``__in`` list value by value, which for the 200 to 500
    rows of a list cost more than the query that reads their items or tags."""
    return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])


# -- A network's per-post settings, as both APIs publish them ----------------------------
_SCHEMA_TYPES = {
    "string": "string",
    "text": "string",
    "url": "string",
    "enum": "string",
    "bool": "boolean",
    "int": "integer",
    "list": "array",
    "object": "object",
}


def settings_schema(cls) -> dict | str:
    """A provider's per-post settings as JSON Schema (the compatible surface's answer for
    a network without any is its text "No additional settings required")."""
    fields = cls.settings_fields
    if not fields:
        return "No additional settings required"
    properties = {}
    for spec in fields:
        prop = {"type": _SCHEMA_TYPES.get(spec.type, "string")}
        # Labels may be lazy translations: the schema is JSON, so they are said now.
        if spec.label:
            prop["title"] = str(spec.label)
        if spec.help_text:
            prop["description"] = str(spec.help_text)
        if spec.choices:
            prop["enum"] = list(spec.choices)
        if spec.max_length:
            prop["maxLength"] = spec.max_length
        if spec.type == "url":
            prop["format"] = "uri"
        if spec.default is not None:
            prop["default"] = spec.default
        properties[spec.name] = prop
    return {
        "type": "object",
        "properties": {"__type": {"type": "string", "const": cls.identifier}, **properties},
        "required": [spec.name for spec in fields if spec.required],
        "additionalProperties": True,
    }

"""The JSON parser of every DRF view (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES, and the
native views). A module of its own: DRF reads that setting while rest_framework.views is
imported, which postiz.api itself imports."""

from rest_framework import exceptions, parsers

from postiz.http import json_text_problem


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a 400 what would otherwise fail later as a 500:
    JSON nested too deeply for Python to read, and text PostgreSQL cannot store (a NUL
    character) or that is not text (a lone surrogate), naming the field."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply to read."
            ) from None
        found = json_text_problem(data)
        if found:
            where, why = found
            raise exceptions.ValidationError({where: [f"{where} {why}."]})
        return data

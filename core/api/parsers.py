"""Request parsers for every API view: DRF's own, refusing text that holds a NUL character.

PostgreSQL cannot store NUL (U+0000) in text or jsonb, so one that reached the database answered 500 wherever a
serializer did not check (JSON fields, dicts and lists passed on to a service). Checking the parsed body here,
once, covers every field of every operation, the ones added later included: a 400 names the field.
"""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import exceptions, parsers

NUL = "\x00"
MESSAGE = "Text may not contain the NUL character (\\u0000): remove it from {path}."


def _first_nul(value, path: str) -> str | None:
    """The path of the first key or text holding a NUL, or None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and NUL in key:
                return here.replace(NUL, "\\u0000")
            found = _first_nul(item, here)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _first_nul(item, f"{path}[{index}]" if path else str(index))
            if found:
                return found
    return None


def reject_nul(data) -> None:
    """Raise a 400 naming the field (and where inside it) when any key or text of the body holds a NUL."""
    if isinstance(data, QueryDict):
        data = {key: data.getlist(key) if len(data.getlist(key)) > 1 else data.get(key) for key in data}
    path = _first_nul(data, "")
    if path is None:
        return
    field = path.split(".", 1)[0].split("[", 1)[0] or "non_field_errors"
    raise exceptions.ValidationError({field: [MESSAGE.format(path=path)]})


class NulGuard:
    """Mixed into each parser: the parsed body is checked before any view or serializer sees it."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        reject_nul(parsed.data if isinstance(parsed, parsers.DataAndFiles) else parsed)
        return parsed


class JSONParser(NulGuard, parsers.JSONParser):
    pass


class FormParser(NulGuard, parsers.FormParser):
    pass


class MultiPartParser(NulGuard, parsers.MultiPartParser):
    pass

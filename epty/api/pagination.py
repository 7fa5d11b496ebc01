"""One way to page a list, one list shape: {"next": <url or null>, "results": [...]} (a list may add fields of
its own, as the property search adds its count).

Every list is keyset-paged (a cursor names the last row seen, so a page never shifts when rows are added) and
takes ``limit`` (1–100, default 25) and ``cursor`` (the opaque value in ``next``). ``KeysetPagination`` is the
DRF pagination class for lists over a queryset; a list with a keyset cursor of its own (the property search)
builds the same page with ``page_response``. A cursor that is not valid is a 400 ``invalid_cursor``.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from epty.numbers import whole_number

LIMIT_DEFAULT = 25
LIMIT_MAX = 100
LIMIT_HELP = f"Results per page, 1–{LIMIT_MAX} (default {LIMIT_DEFAULT})."
CURSOR_HELP = "Opaque page cursor: the `cursor` in the `next` link of the page before."


def page_limit(request: Request) -> int:
    """The request's ``limit``: 1–100, default 25; anything else is a 400 ``invalid_limit``."""
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return LIMIT_DEFAULT
    limit = whole_number(raw, max_digits=3)
    if limit is None or not 1 <= limit <= LIMIT_MAX:
        raise ValidationError({"limit": ValidationError(
            _("Give limit as a whole number from 1 to %(max)d.") % {"max": LIMIT_MAX}, code="invalid_limit")})
    return limit


def invalid_cursor() -> ValidationError:
    return ValidationError({"cursor": ValidationError(
        _("This page link is not valid any more; start from the first page again."), code="invalid_cursor")})


def page_schema(results_schema: dict, extra: dict | None = None) -> dict:
    return {
        "type": "object",
        "required": ["next", "results", *(extra or {})],
        "properties": {
            **(extra or {}),
            "next": {"type": "string", "format": "uri", "nullable": True,
                     "description": "The next page's URL; null on the last page."},
            "results": results_schema,
        },
    }


def page_parameters() -> list[OpenApiParameter]:
    return [OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX}, description=LIMIT_HELP),
            OpenApiParameter("cursor", OpenApiTypes.STR, description=CURSOR_HELP)]


def page_response(*, request: Request, results: Any, next_cursor: str | None, **extra: Any) -> Response:
    """A page in the one list shape, for a list whose selector pages with its own keyset cursor."""
    next_url = None
    if next_cursor:
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", next_cursor)
    return Response({**extra, "next": next_url, "results": results})


class KeysetPagination(CursorPagination):
    """DRF's cursor (keyset) pagination with ``limit``, a 400 for a bad cursor and the one list shape.

    A view sets ``ordering`` (unique, ending in the primary key) as a class attribute of a subclass.
    """

    page_size = LIMIT_DEFAULT
    max_page_size = LIMIT_MAX
    page_size_query_param = "limit"
    ordering: Any = ("-id",)

    def get_page_size(self, request: Request) -> int:
        return page_limit(request)

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise invalid_cursor() from None

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return page_schema(schema)

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {"name": "limit", "required": False, "in": "query", "description": LIMIT_HELP,
             "schema": {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX}},
            {"name": "cursor", "required": False, "in": "query", "description": CURSOR_HELP,
             "schema": {"type": "string"}},
        ]


def ordered_by(*ordering: str) -> type[KeysetPagination]:
    """A KeysetPagination over this ordering (unique: end it with the primary key)."""
    return type("KeysetPagination", (KeysetPagination,), {"ordering": ordering})

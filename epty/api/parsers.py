"""The API's body parsers: every body is bounded in size, and JSON in depth, before it is parsed.

A view may set ``max_body_bytes`` (default ``DEFAULT_MAX_BODY_BYTES``); a larger body is a 413
``request_too_large`` and is never read past the limit. JSON deeper than ``MAX_JSON_DEPTH`` nested
arrays or objects is a 400 ``json_too_deep`` (Python's parser would otherwise recurse until it
fails), a string with an unpaired surrogate (``"\\ud800"``, valid JSON syntax but no text) a 400
``invalid_unicode``, and NaN or Infinity a 400 ``invalid_json``.
"""
from __future__ import annotations

import codecs
import json
import re
from typing import Any

from django.conf import settings
from django.http import QueryDict
from rest_framework import exceptions, parsers, renderers

from .exceptions import RequestTooLarge

DEFAULT_MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def max_body_bytes(parser_context: dict | None) -> int:
    view = (parser_context or {}).get("view")
    return getattr(view, "max_body_bytes", DEFAULT_MAX_BODY_BYTES)


def read_bounded(stream: Any, parser_context: dict | None) -> bytes:
    """The body, at most the view's limit (413 beyond it, judged by Content-Length when given)."""
    limit = max_body_bytes(parser_context)
    request = (parser_context or {}).get("request")
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    if declared and str(declared).isascii() and str(declared).isdigit() and int(declared) > limit:
        raise RequestTooLarge()
    if stream is None:
        return b""
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestTooLarge()
    return body


def json_depth(text: str, limit: int) -> int:
    """The nesting depth of JSON text, counted up to ``limit + 1`` (strings are skipped)."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


class JSONParser(parsers.BaseParser):
    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        body = read_bounded(stream, parser_context)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(body, encoding)
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError("The body is not valid UTF-8 text.", code="invalid_json") from None
        if json_depth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.", code="json_too_deep")
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}", code="invalid_json") from None
        if _SURROGATE_ESCAPE.search(text):
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise exceptions.ParseError("A string in the body holds an unpaired surrogate (\\ud800–\\udfff), "
                                            "which is not text.", code="invalid_unicode") from None
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(read_bounded(stream, parser_context), encoding=encoding)


class MultiPartParser(parsers.MultiPartParser):
    """Multipart bodies (file uploads) are bounded by the view's ``max_body_bytes`` on their Content-Length."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes(parser_context)
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if not (str(declared).isascii() and str(declared).isdigit()):
            raise exceptions.ParseError("A multipart body needs a Content-Length.", code="length_required")
        if int(declared) > limit:
            raise RequestTooLarge()
        return super().parse(stream, media_type, parser_context)

"""The OpenAPI schema documents every status code an operation can answer, each error with the one error shape.

``ApiAutoSchema`` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds to what a view's ``@extend_schema``
lists the errors that follow from the operation itself: 400 when it reads parameters or a body,
401 when it authenticates (a bad token is refused on every such operation), 403 when it needs a
login or takes a session's unsafe request (CSRF), 404 when its path names an object, 406 for an
Accept header it cannot answer, 413 and 415 when it reads a body, 429 when it is throttled. A view
lists what only it knows (409, 503, a 404 for an object named in the body).
"""
from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

from .serializers import ErrorSerializer

DESCRIPTIONS = {
    "400": "The request is not valid: `extra.fields` has a code and a message per field.",
    "401": "Not logged in, or the API token is not valid (invalid_token, not_authenticated).",
    "403": "Logged in but not allowed (permission_denied), or a session's request without its CSRF token.",
    "404": "No such object, or not yours (not_found).",
    "406": "The Accept header names no format this API writes (not_acceptable).",
    "413": "The body is larger than this operation takes (request_too_large).",
    "415": "The body's Content-Type is not one this operation reads (unsupported_media_type).",
    "429": "Too many requests; `extra.retry_after_seconds` says when to try again (throttled).",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ApiAutoSchema(AutoSchema):
    def _error_codes(self, operation: dict[str, Any]) -> list[str]:
        view = self.view
        authenticators = view.get_authenticators()
        needs_login = any(not isinstance(p, AllowAny) for p in view.get_permissions())
        codes = ["406"]
        if any(p.get("in") == "query" for p in operation.get("parameters", [])) or "requestBody" in operation:
            codes.append("400")
        if authenticators:
            codes.append("401")
        if needs_login or (self.method in UNSAFE and any(isinstance(a, SessionAuthentication) for a in authenticators)):
            codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if "requestBody" in operation:
            codes += ["413", "415"]
        if view.get_throttles():
            codes.append("429")
        return codes

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer(), "response").ref
        responses = operation["responses"]
        for code in self._error_codes(operation):
            responses.setdefault(code, {"description": DESCRIPTIONS[code],
                                        "content": {"application/json": {"schema": error}}})
        for code, response in responses.items():
            if code[0] in "45" and not response.get("description"):
                response["description"] = DESCRIPTIONS.get(code, "An error in the API's error shape.")
        operation["responses"] = dict(sorted(responses.items()))
        return operation

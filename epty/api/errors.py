"""One error shape for the whole API: {"message", "code", "extra"}.

Services raise Django's ValidationError with a stable ``code`` or a subclass of
``epty.errors.ApplicationError``; ``api_exception_handler`` turns both, and DRF's and Django's own
exceptions, into the same JSON body with the right status. What never reaches a view (a path that
matches no URL, such as a non-integer id; a body Django refuses before the view; an unexpected
crash) gets the same shape from ``api_error_response``, which the project's handler404/400/500
use for paths under /api/. An expected failure is never a 500, and no message echoes text that
cannot be written as UTF-8 (a lone surrogate from a JSON body is written escaped).
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from epty.errors import ApplicationError

from .exceptions import RequestTooLarge
from .serializers import ErrorSerializer

__all__ = ["ErrorSerializer", "RequestTooLarge", "api_exception_handler", "api_error_response", "safe_text"]

API_PREFIX = "/api/"


def safe_text(text: str) -> str:
    """Text that can be written as UTF-8: unpaired surrogates (possible in JSON strings) come out escaped."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {_safe(key): _safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(item) for item in value]
    return value


def _field_errors(detail: Any) -> Any:
    """Turn DRF's nested ErrorDetail structure into [{"code", "message"}] per field."""
    if isinstance(detail, dict):
        return {key: _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [{"code": item.code, "message": str(item)} for item in detail]
        return [_field_errors(item) for item in detail]
    if isinstance(detail, exceptions.ErrorDetail):
        return [{"code": detail.code, "message": str(detail)}]
    return detail


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    # .messages formats each message with its params once (never twice: the text may quote a user's %).
    detail: dict[str, list[exceptions.ErrorDetail]] | list[exceptions.ErrorDetail]
    if hasattr(exc, "error_dict"):
        detail = {
            field: [exceptions.ErrorDetail(message, code=error.code or "invalid")
                    for error in errors for message in error.messages]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = [exceptions.ErrorDetail(message, code=error.code or "invalid")
                  for error in exc.error_list for message in error.messages]
    return exceptions.ValidationError(detail)


def _is_error_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) and "code" in item for item in value)


def _flatten(fields: dict, prefix: str = "") -> dict[str, Any]:
    """Nested serializers' errors under dotted paths: {"user_preferences.locations": [{"code", "message"}]}."""
    flat: dict[str, Any] = {}
    for key, value in fields.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{path}."))
        elif isinstance(value, list) and not _is_error_list(value):
            for index, item in enumerate(value):
                if isinstance(item, dict) and item:
                    flat.update(_flatten(item, f"{path}.{index}."))
                elif _is_error_list(item) and item:
                    flat[f"{path}.{index}"] = item
        else:
            flat[path] = value
    return flat


def _codes(fields: Any) -> set[str]:
    if isinstance(fields, dict):
        return set().union(*(_codes(value) for value in fields.values())) if fields else set()
    if isinstance(fields, list):
        if all(isinstance(item, dict) and "code" in item for item in fields):
            return {item["code"] for item in fields}
        return set().union(*(_codes(item) for item in fields)) if fields else set()
    return set()


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(_safe({"message": exc.message, "code": exc.code, "extra": exc.extra}),
                        status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError("The request could not be read.", code="bad_request")

    response = exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        fields = _flatten(fields if isinstance(fields, dict) else {"non_field_errors": fields})
        codes = _codes(fields)
        code = codes.pop() if len(codes) == 1 else "invalid"
        response.data = {"message": "The request is not valid.", "code": code, "extra": {"fields": fields}}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        default_code = getattr(exc, "default_code", "error")
        error_code = detail.code if isinstance(detail, exceptions.ErrorDetail) else default_code
        extra = {}
        wait = getattr(exc, "wait", None)  # set by DRF's Throttled (its stubs leave the attribute out)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            extra["retry_after_seconds"] = int(wait)
        response.data = {"message": str(detail), "code": error_code, "extra": extra}
    response.data = _safe(response.data)
    return response


def api_error_response(status_code: int, *, message: str, code: str, extra: dict | None = None) -> JsonResponse:
    return JsonResponse(_safe({"message": message, "code": code, "extra": extra or {}}), status=status_code)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (a body it refuses before the view, e.g. too large) as the API's JSON under /api/."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return api_error_response(413, message=str(RequestTooLarge.default_detail), code="request_too_large")
    return api_error_response(400, message="The request could not be read.", code="bad_request")


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return api_error_response(403, message="You do not have permission to perform this action.",
                              code="permission_denied")


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A path under /api/ that matches no operation (a non-integer id, a typo) is a JSON 404."""
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return api_error_response(404, message="Not found.", code="not_found")


def handler500(request: HttpRequest) -> HttpResponse:
    if not _is_api(request):
        return defaults.server_error(request)
    return api_error_response(500, message="Something went wrong on our side.", code="server_error")

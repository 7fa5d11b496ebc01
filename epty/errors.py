"""One error shape for the whole API: {"message", "code", "extra"}.

Services raise Django's ValidationError with a stable ``code`` or a subclass of
ApplicationError; this handler turns both, and DRF's own exceptions, into the
same JSON body with the right status. An expected failure is never a 500.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A broken business rule. Subclasses set ``code`` and ``status_code``."""

    code: str = "application_error"
    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ConflictError(ApplicationError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT


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


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "code": exc.code, "extra": exc.extra}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        codes = {
            err["code"] for errs in fields.values() if isinstance(errs, list) for err in errs if isinstance(err, dict)
        }
        code = codes.pop() if len(codes) == 1 else "invalid"
        response.data = {"message": "The request is not valid.", "code": code, "extra": {"fields": fields}}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = detail.code if isinstance(detail, exceptions.ErrorDetail) else getattr(exc, "default_code", "error")
        extra = {}
        wait = getattr(exc, "wait", None)  # set by DRF's Throttled (its stubs leave the attribute out)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            extra["retry_after_seconds"] = int(wait)
        response.data = {"message": str(detail), "code": code, "extra": extra}
    return response

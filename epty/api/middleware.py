"""Repeated query parameters under /api/: honoured in full where an operation says it takes several, refused
elsewhere (400 ``repeated_parameter``), never silently cut to the last value.

An API view lists the parameters it takes more than once in ``repeatable_parameters`` (DRF's ``as_view`` keeps
the class on the view function as ``cls``); ``"*"`` means it reads every repeated parameter itself (the
property search joins ``features=sauna&features=view`` into ``features=sauna,view``).
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .errors import API_PREFIX, api_error_response


class RepeatedParametersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        allowed: str | frozenset[str] = getattr(getattr(view_func, "cls", None), "repeatable_parameters", frozenset())
        if allowed == "*":
            return None
        repeated = sorted(key for key, values in request.GET.lists() if len(values) > 1 and key not in allowed)
        if not repeated:
            return None
        return api_error_response(400, code="repeated_parameter", extra={"parameters": repeated},
                                  message=f"Give each of these parameters once: {', '.join(repeated)}.")

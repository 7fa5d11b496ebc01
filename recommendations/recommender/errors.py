"""Broken recommender rules, rendered by epty.errors.api_exception_handler."""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from epty.errors import ApplicationError


class PreferencesInvalid(ApplicationError):
    """Preferences or market trends that cannot be used: one code per problem in `extra.fields`.

    One kind of problem: its code; several: `invalid_preferences`. Unknown locations carry
    `extra.suggestions` (name → close municipality and county names).
    """

    code = "invalid_preferences"

    def __init__(self, errors: dict[str, list[dict]], suggestions: dict[str, list[str]]):
        codes = {e["code"] for errs in errors.values() for e in errs}
        self.code = codes.pop() if len(codes) == 1 else "invalid_preferences"
        extra: dict[str, Any] = {"fields": errors}
        if suggestions:
            extra["suggestions"] = suggestions
        super().__init__(_("The preferences are not valid."), extra=extra)

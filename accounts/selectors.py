"""Reads for accounts: API tokens, the user's data export, stored preferences that no longer parse."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import ApiToken, User
from .preferences import PreferenceProblem, preferences_check


def api_tokens_for(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "bankid_altsub": user.bankid_altsub,
        "name": user.name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "birth_date": user.birth_date.isoformat() if user.birth_date else None,
        "email": user.email or None,
        "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
        "phone": user.phone or None,
        "language": user.language,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        # The number itself stays out of every response (bankid.md); only whether it is held.
        "national_identity_number_stored": user.has_nnin,
    }


def _tokens(user: User) -> list[dict[str, Any]]:
    return [{"name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
             "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
             "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None}
            for t in api_tokens_for(user=user).order_by("created_at", "id")]


def user_export(*, user: User) -> dict[str, Any]:
    """Everything epty holds about ``user``: its own sections plus those other apps registered."""
    from .services import EXPORT_SECTIONS

    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "profile": _profile(user),
        "preferences": user.preferences,
        "api_tokens": _tokens(user),
    }
    for name, section in EXPORT_SECTIONS.items():
        data[name] = section(user)
    return data


def users_with_invalid_preferences() -> Iterator[tuple[int, str, list[PreferenceProblem]]]:
    """(user id, username, problems) for every user whose stored preferences no longer parse, by id.

    The recommender uses the valid parts of such a profile and tells the user what to fix; this
    lists them for staff (`manage.py check_preferences`).
    """
    rows = User.objects.order_by("id").values_list("id", "username", "preferences")
    for pk, username, stored in rows.iterator(chunk_size=2000):
        _parsed, problems = preferences_check(stored or {})
        if problems:
            yield pk, username, problems

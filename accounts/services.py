"""Writes for accounts: users from BankID, profile, e-mail confirmation, API tokens, deletion.

Other apps plug into the privacy functions from their AppConfig.ready():
``register_export_section("offers", fn)`` adds a section to a user's data export and
``register_deletion_hook(fn)`` runs before an account is deleted (e.g. to anonymise offers).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epty.mail.models import OutboxMessage
from epty.mail.services import absolute_url, mail_enqueue

from . import nnin
from .models import ApiToken, User
from .preferences import preferences_check, preferences_error

# --- privacy registries ------------------------------------------------------------------
ExportSection = Callable[[User], Any]
DeletionHook = Callable[[User], None]
EXPORT_SECTIONS: dict[str, ExportSection] = {}
DELETION_HOOKS: list[DeletionHook] = []


def register_export_section(name: str, section: ExportSection) -> None:
    """Add a section ``name`` to every user's export; ``section(user)`` returns JSON-able data."""
    EXPORT_SECTIONS[name] = section


def register_deletion_hook(hook: DeletionHook) -> None:
    """``hook(user)`` runs inside the deletion transaction, before the user row goes."""
    if hook not in DELETION_HOOKS:
        DELETION_HOOKS.append(hook)


# --- users from BankID --------------------------------------------------------------------
def _birth_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@transaction.atomic
def user_upsert_from_bankid(*, claims: dict[str, Any]) -> User:
    """The user with this verified ID token's `bankid_altsub`, created on first login.

    Name and birth date come from the `profile` claims; e-mail never comes from BankID.
    """
    altsub = claims["bankid_altsub"].strip()
    user = User.objects.select_for_update().filter(bankid_altsub=altsub).first()
    if user is None:
        user = User(bankid_altsub=altsub, username=User.random_username())
        user.set_unusable_password()
    name = claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p)
    if isinstance(name, str) and name:
        user.name = name[:300]
    user.first_name = (claims.get("given_name") or "")[:150] if isinstance(claims.get("given_name"), str) else ""
    user.last_name = (claims.get("family_name") or "")[:150] if isinstance(claims.get("family_name"), str) else ""
    user.birth_date = _birth_date(claims.get("birthdate")) or user.birth_date
    number = claims.get("nnin_altsub")
    if settings.BANKID_STORE_NNIN and isinstance(number, str) and nnin.is_valid(number):
        user.nnin_encrypted = nnin.encrypt(number)
        user.nnin_hash = nnin.nnin_hash(number)
    user.save()
    return user


# --- profile ---------------------------------------------------------------------------
PHONE_RE = re.compile(r"\+?[0-9]{8,15}")


def phone_clean(value: str) -> str:
    """A phone number as digits with an optional leading +, 8 to 15 digits (spaces, dots and dashes dropped);
    blank is no number. ValidationError ``invalid_phone`` on ``phone`` otherwise."""
    compact = re.sub(r"[\s.\-()]", "", value or "")
    if compact and not PHONE_RE.fullmatch(compact):
        raise ValidationError({"phone": ValidationError(
            _("Enter a phone number of 8 to 15 digits, e.g. +47 912 34 567."), code="invalid_phone")})
    return compact


@transaction.atomic
def user_profile_update(*, user: User, name: str | None = None, language: str | None = None,
                        preferences: dict | None = None, phone: str | None = None) -> User:
    """Name, language and preferences. Preferences are parsed by accounts.preferences (the parser the
    recommender reads them with); any problem refuses the save with errors keyed `preferences.<part>`."""
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": ValidationError(_("Enter a name."), code="required")})
        user.name = name[:300]
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": ValidationError(_("Unknown language."), code="invalid_choice")})
        user.language = language
    if phone is not None:
        user.phone = phone_clean(phone)
    if preferences is not None:
        parsed, problems = preferences_check(preferences, stored_shape=True)
        if problems:
            raise preferences_error(problems)
        user.preferences = parsed.stored()
    user.save()
    return user


EMAIL_SALT = "accounts.email-confirm"
EMAIL_MAX_AGE = 2 * 24 * 3600


@transaction.atomic
def user_email_change_request(*, user: User, email: str) -> str:
    """Mail a signed confirmation link to ``email`` (through the outbox, in the user's language);
    the address is stored only when the link is followed.

    At most EMAIL_CONFIRM_DAILY_LIMIT such mails per user in 24 hours (they go to any address the user
    types): past it, EmailConfirmLimitReached (429, ``email_confirm_limit``)."""
    from django.core.validators import validate_email

    # Imported here: epty.errors loads DRF's views, whose settings load the API token authentication, which
    # imports this module; at module level that would be a cycle through a half-loaded epty.errors.
    from .errors import EmailConfirmLimitReached

    email = email.strip()
    validate_email(email)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time counts for a user
    limit = settings.EMAIL_CONFIRM_DAILY_LIMIT
    sent = OutboxMessage.objects.filter(user=user, kind=OutboxMessage.Kind.EMAIL_CONFIRM,
                                        created_at__gte=timezone.now() - dt.timedelta(hours=24)).count()
    if sent >= limit:
        raise EmailConfirmLimitReached(
            _("You have asked for %(n)s confirmation e-mails in the last 24 hours. Try again tomorrow.") % {"n": limit},
            extra={"limit": limit})
    token = signing.dumps({"u": user.pk, "e": email}, salt=EMAIL_SALT)
    mail_enqueue(user=user, to=email, kind=OutboxMessage.Kind.EMAIL_CONFIRM,
                 subject=gettext_lazy("Confirm your e-mail address for epty"), template="emails/email_confirm.txt",
                 context={"email": email, "url": absolute_url(reverse("accounts:email-confirm", args=[token]))})
    return token


@transaction.atomic
def user_email_confirm(*, user: User, token: str) -> User:
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=EMAIL_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("The link has expired. Ask for a new one."), code="link_expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("The link is not valid."), code="link_invalid") from exc
    if data.get("u") != user.pk:
        raise ValidationError(_("The link belongs to another account."), code="link_other_user")
    user.email = data["e"]
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email", "email_confirmed_at"])
    return user


# --- API tokens ------------------------------------------------------------------------------
TOKEN_PREFIX = "epty"


def token_hash(secret: str) -> str:
    # The secret is 256 random bits: a plain SHA-256 cannot be brute-forced, so no slow KDF is needed.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it and the full secret, which is shown once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(
            {"name": ValidationError(_("Give the token a name (at most 100 characters)."), code="invalid")}
        )
    if ApiToken.objects.filter(user=user).active().count() >= 50:
        raise ValidationError(_("You have too many tokens; revoke some first."), code="too_many_tokens")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plain = f"{TOKEN_PREFIX}_{prefix}_{secret}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, secret_hash=token_hash(plain))
    return token, plain


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(user=user, pk=token_id)  # DoesNotExist → 404
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# --- deletion ------------------------------------------------------------------------------
@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account and its personal data. Registered hooks first anonymise what others keep."""
    for hook in DELETION_HOOKS:
        hook(user)
    # Other sessions of this user die with it: they hold only its id, and Django checks the
    # session hash against the (now missing) user on every request.
    user.delete()  # cascades: API tokens

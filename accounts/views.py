"""Account pages: login, profile (name, e-mail, language, preferences), API tokens, export, deletion."""
from __future__ import annotations

import json

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .errors import EmailConfirmLimitReached
from .forms import ApiTokenForm, DeleteAccountForm, EmailForm, ProfileForm
from .models import ApiToken
from .oidc.authorize import safe_next
from .oidc.provider import standin_enabled


def login(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    next_url = safe_next(request, request.GET.get("next")) or ""
    return render(request, "accounts/login.html", {
        "next": next_url, "standin": standin_enabled(),
        "configured": bool(settings.BANKID_ISSUER) or standin_enabled(),
    })


def _apply_form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            field = key.removeprefix("preferences.")  # the profile form has a field per preference part
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def profile(request):
    user = request.user
    form = ProfileForm.for_user(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_profile_update(user=user, name=form.cleaned_data["name"],
                                         language=form.cleaned_data["language"], preferences=form.preferences(),
                                         phone=form.cleaned_data["phone"])
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:profile")
            response.set_cookie(  # with the attributes Django's own language switch gives it (Secure in production)
                settings.LANGUAGE_COOKIE_NAME, user.language, max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE)  # type: ignore[arg-type]  # a str setting, as Django's own view passes it
            return response
    return render(request, "accounts/profile.html", {"form": form, "email_form": EmailForm()})


@login_required
@require_POST
def email_change(request):
    form = EmailForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.user_email_change_request(user=request.user, email=form.cleaned_data["email"])
        except EmailConfirmLimitReached as exc:
            form.add_error("email", exc.message)
            status = exc.status_code
        else:
            messages.success(
                request, _("We sent a confirmation link to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": ProfileForm.for_user(request.user), "email_form": form},
                  status=status)


@login_required
def email_confirm(request, token: str):
    try:
        services.user_email_confirm(user=request.user, token=token)
    except ValidationError as exc:
        return render(request, "accounts/message.html", {"title": _("E-mail not confirmed"),
                                                          "message": " ".join(exc.messages)}, status=400)
    messages.success(request, _("Your e-mail address is confirmed."))
    return redirect("accounts:profile")


@login_required
def tokens(request):
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, created = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            form = ApiTokenForm()
    return render(request, "accounts/tokens.html", {
        "form": form, "created": created, "tokens": selectors.api_tokens_for(user=request.user)})


@login_required
@require_POST
def token_revoke(request, token_id: int):
    try:
        services.api_token_revoke(user=request.user, token_id=token_id)
    except ApiToken.DoesNotExist:
        return render(request, "accounts/message.html", {"title": _("Not found"),
                                                          "message": _("No such token.")}, status=404)
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:tokens")


@login_required
def export(request):
    body = json.dumps(selectors.user_export(user=request.user), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="epty-export.json"'
    return response


@login_required
def delete(request):
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.user_delete(user=request.user)
        auth.logout(request)
        messages.success(request, _("Your account and personal data are deleted."))
        return redirect("/")
    return render(request, "accounts/delete.html", {"form": form})

"""Admin bulk actions that call a service per selected object, and ask for a reason first where the service
needs one (shown to the people the decision concerns). Used by the moderators' admins (offers, photos)."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from epty.errors import ApplicationError

if TYPE_CHECKING:  # django-stubs-ext is a development requirement: the image does not have it
    from django_stubs_ext import StrOrPromise


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=1000)

    def __init__(self, *args: Any, label: StrOrPromise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


def error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def run_each(modeladmin, request, queryset, fn: Callable[[Any], Any], verb: StrOrPromise) -> None:
    """Apply ``fn`` to each selected object; say how many succeeded and why the others did not.

    ``verb`` (e.g. ``gettext_lazy("Approved")``) is read in the language of the request."""
    done, failed = 0, []
    for obj in queryset:
        try:
            fn(obj)
            done += 1
        except (ApplicationError, ValidationError) as exc:
            failed.append(f"#{obj.pk}: {error_text(exc)}")
    if done:
        modeladmin.message_user(request, f"{verb}: {done}.", messages.SUCCESS)
    if failed:
        modeladmin.message_user(request, gettext("Not changed: %(errors)s") % {"errors": " · ".join(failed[:20])},
                                messages.WARNING)


def run_each_with_reason(modeladmin, request, queryset, fn: Callable[[Any, str], Any], *, verb: StrOrPromise,
                         title: StrOrPromise, reason_label: StrOrPromise, submit: StrOrPromise, submit_id: str):
    """Ask for a reason on an intermediate page, then apply ``fn(obj, reason)`` to each selected object.

    The texts (``verb``, ``title``, ``reason_label``, ``submit``) are lazy translations, read per request."""
    form = ReasonForm(request.POST if "apply" in request.POST else None, label=reason_label)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        run_each(modeladmin, request, queryset, lambda obj: fn(obj, reason), verb)
        return None
    return TemplateResponse(request, "admin/reason.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "form": form, "objects": queryset,
        "action": request.POST.get("action"), "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "submit": submit, "submit_id": submit_id,
    })

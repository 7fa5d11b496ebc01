"""The owner's page of a property: correct and add facts and a description (verified owners only; 404 otherwise)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from epty.throttles import page_write_allowed

from . import selectors, services
from .errors import NotAnOwner
from .forms import OwnerFactsForm


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@never_cache
def edit(request, property_id: int):
    try:
        prop = selectors.owned_property(user=request.user, property_id=property_id)
    except NotAnOwner:
        raise Http404 from None
    current = selectors.owner_facts_current(prop=prop)
    form = OwnerFactsForm(request.POST or None, initial=current)
    if request.method == "POST" and not page_write_allowed(request, "owner_facts"):
        messages.error(request, _("Too many changes in a short time. Try again in an hour."))
    elif request.method == "POST" and form.is_valid():
        try:
            services.owner_facts_update(user=request.user, property_id=prop.pk, values=form.cleaned_data)
        except NotAnOwner:
            raise Http404 from None
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your facts are saved and shown as the owner's."))
            return redirect("owners:edit", property_id=prop.pk)
    return render(request, "owners/edit.html", {
        "property": prop, "form": form, "provenance": selectors.owner_fact_provenance(prop=prop),
        "description": selectors.owner_description(prop=prop),
        "changes": selectors.owner_fact_changes(prop=prop)[:20],
    })

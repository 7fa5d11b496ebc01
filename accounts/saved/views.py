"""Pages: collections, the heart, saved searches, search history, alert digests and unsubscribe."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import (
    CollectionForm,
    SavedPropertyForm,
    SavedSearchCreateForm,
    SavedSearchUpdateForm,
    SaveToCollectionForm,
)


def _back(request, fallback: str):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or "application/json" in request.headers.get("Accept", "")


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- collections --------------------------------------------------------------------------------
@login_required
def collections(request):
    services.collection_default_get(user=request.user)
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.collection_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", _error_text(exc))
        else:
            return redirect("accounts:collection", collection.pk)
    return render(request, "accounts/saved/collections.html", {
        "collections": selectors.collections_for(user=request.user), "form": form})


@login_required
def favourites(request):
    """The header's "Favourites": the user's default collection, created on first use."""
    return redirect("accounts:collection", services.collection_default_get(user=request.user).pk)


@login_required
def collection(request, collection_id: int):
    current = services.owned(selectors.collections_for(user=request.user), pk=collection_id)
    form = CollectionForm(request.POST or None, initial={"name": current.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.collection_rename(user=request.user, collection_id=current.pk, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", _error_text(exc))
        else:
            return redirect("accounts:collection", current.pk)
    return render(request, "accounts/saved/collection.html", {
        "collection": current, "form": form,
        "items": selectors.collection_items_for(user=request.user, collection_id=current.pk),
        "collections": selectors.collections_for(user=request.user)})


@login_required
@require_POST
def collection_delete(request, collection_id: int):
    try:
        services.collection_delete(user=request.user, collection_id=collection_id)
    except services.DefaultCollectionProtected as exc:
        messages.error(request, exc.message)
        return redirect("accounts:collection", collection_id)
    messages.success(request, _("The collection is deleted."))
    return redirect("accounts:collections")


@login_required
@require_POST
def heart(request, property_id: int):
    saved = services.property_heart_toggle(user=request.user, property_id=property_id)
    if _wants_json(request):
        return JsonResponse({"property": property_id, "saved": saved})
    messages.success(request, _("Saved in Favourites.") if saved else _("Removed from your collections."))
    return _back(request, reverse("properties:detail", args=[property_id]))


@login_required
@require_POST
def save_to_collection(request, property_id: int):
    form = SaveToCollectionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            item = services.saved_property_add(
                user=request.user, property_id=property_id,
                collection_id=form.cleaned_data["collection"].pk if form.cleaned_data.get("collection") else None,
                new_collection_name=form.cleaned_data.get("new_collection") or None)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Saved in %(name)s.") % {"name": item.collection.name})
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _back(request, reverse("properties:detail", args=[property_id]))


@login_required
@require_POST
def item_update(request, item_id: int):
    form = SavedPropertyForm(request.POST)
    if form.is_valid():
        try:
            item = services.saved_property_update(user=request.user, item_id=item_id, note=form.cleaned_data["note"],
                                                  tags=form.cleaned_data["tags"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return _back(request, reverse("accounts:collections"))
        messages.success(request, _("Saved."))
        return redirect("accounts:collection", item.collection_id)
    raise Http404


@login_required
@require_POST
def item_move(request, item_id: int):
    try:
        target = int(request.POST.get("collection", ""))
    except ValueError:
        raise Http404 from None
    item = services.saved_property_move(user=request.user, item_id=item_id, collection_id=target)
    return redirect("accounts:collection", item.collection_id)


@login_required
@require_POST
def item_remove(request, item_id: int):
    collection_id = services.saved_property_remove(user=request.user, item_id=item_id)
    return redirect("accounts:collection", collection_id)


# --- saved searches -------------------------------------------------------------------------------
@login_required
def saved_searches(request):
    searches = [(search, SavedSearchUpdateForm(initial={"name": search.name, "frequency": search.frequency},
                                               prefix=f"s{search.pk}"))
                for search in selectors.saved_searches_for(user=request.user)]
    return render(request, "accounts/saved/searches.html", {"searches": searches})


@login_required
@require_POST
def saved_search_create(request):
    form = SavedSearchCreateForm(request.POST)
    if form.is_valid():
        try:
            services.saved_search_create(user=request.user, name=form.cleaned_data["name"],
                                         params=form.search_params(), frequency=form.cleaned_data["frequency"])
        except ValidationError as exc:
            messages.error(request, _("The search could not be saved: %(e)s") % {"e": _error_text(exc)})
            return _back(request, reverse("properties:search"))
        messages.success(request, _("The search is saved."))
        return redirect("accounts:saved-searches")
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _back(request, reverse("properties:search"))


@login_required
@require_POST
def saved_search_update(request, saved_search_id: int):
    form = SavedSearchUpdateForm(request.POST, prefix=f"s{saved_search_id}")
    services.owned(selectors.saved_searches_for(user=request.user), pk=saved_search_id)
    if form.is_valid():
        try:
            services.saved_search_update(user=request.user, saved_search_id=saved_search_id,
                                         name=form.cleaned_data["name"], frequency=form.cleaned_data["frequency"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("accounts:saved-searches")


@login_required
@require_POST
def saved_search_delete(request, saved_search_id: int):
    services.saved_search_delete(user=request.user, saved_search_id=saved_search_id)
    messages.success(request, _("The saved search is deleted."))
    return redirect("accounts:saved-searches")


# --- search history -------------------------------------------------------------------------------
@login_required
def history(request):
    entries = list(selectors.search_history_for(user=request.user)[:200])
    return render(request, "accounts/saved/history.html", {"entries": entries})


@login_required
@require_POST
def history_delete(request, entry_id: int):
    services.search_history_delete(user=request.user, entry_id=entry_id)
    return redirect("accounts:history")


@login_required
@require_POST
def history_clear(request):
    services.search_history_clear(user=request.user)
    messages.success(request, _("Your search history is deleted."))
    return redirect("accounts:history")


# --- alerts ------------------------------------------------------------------------------------------
@login_required
@require_GET
def alert_digest(request, key):
    message = selectors.digest_for(user=request.user, key=key)
    if message is None:
        raise Http404
    return render(request, "accounts/saved/digest.html", {
        "message": message, "properties": selectors.digest_properties(message=message)})


@csrf_exempt  # the signed token in the address is the credential (RFC 8058: mail clients post no CSRF token)
@require_http_methods(["GET", "POST"])
def alerts_unsubscribe(request, token: str):
    """No login: the signed token names the user and the search (or all of them).

    GET only shows what the link would turn off, with a button: mail scanners that follow links change
    nothing. POST turns the alerts off: the button, or a mail client's one-click unsubscribe (RFC 8058,
    body ``List-Unsubscribe=One-Click``)."""
    try:
        if request.method == "POST":
            user, searches, everything = services.alerts_unsubscribe(token=token)
        else:
            user, searches, everything = services.alerts_unsubscribe_target(token=token)
    except ValidationError as exc:
        return render(request, "accounts/message.html", {"title": _("Not unsubscribed"), "message": _error_text(exc)},
                      status=400)
    if request.method == "GET":
        if not everything and searches:
            question = _("Stop alerts for “%(name)s”?") % {"name": searches[0].name}
        else:
            question = _("Stop alerts for all your saved searches?")
        return render(request, "accounts/saved/unsubscribe.html", {"question": question})
    if not everything and searches:
        text = _("You will get no more alerts for “%(name)s”.") % {"name": searches[0].name}
    else:
        text = _("You will get no more alerts for your saved searches.")
    return render(request, "accounts/message.html", {"title": _("Unsubscribed"), "message": text})

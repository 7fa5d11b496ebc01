"""Photo pages: the owners' manager (upload, order, cover, delete) and the file view that serves every photo."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from epty.errors import ApplicationError
from epty.throttles import page_write_allowed
from offers.storage import private_storage

from . import selectors, services
from .images import CONTENT_TYPE, SIZES


def _message(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@login_required
def manage(request, property_id: int):
    prop = selectors.property_for_manager(user=request.user, property_id=property_id)
    photos = list(selectors.photos_of_property(property_id=prop.pk, include_hidden=True))
    cover = selectors.cover_of(photos)
    rows = [{"photo": p, "thumb": selectors.photo_url(p, "thumb"), "large": selectors.photo_url(p, "large"),
             "is_cover": cover is not None and p.pk == cover.pk} for p in photos]
    return render(request, "photos/manage.html", {
        "property": prop, "rows": rows, "limit": settings.PHOTO_MAX_PER_PROPERTY,
        "room": max(settings.PHOTO_MAX_PER_PROPERTY - len(photos), 0),
        "max_megabytes": settings.PHOTO_MAX_UPLOAD_BYTES // (1024 * 1024),
    })


@require_POST
@login_required
def upload(request, property_id: int):
    prop = selectors.property_for_manager(user=request.user, property_id=property_id)
    files = request.FILES.getlist("photos")
    if not page_write_allowed(request, "photo_upload"):
        messages.error(request, _("Too many uploads in a short time. Try again in an hour."))
        return redirect("photos:manage", property_id=prop.pk)
    if not files:
        messages.error(request, _("Choose at least one photo to upload."))
        return redirect("photos:manage", property_id=prop.pk)
    added = 0
    for upload_file in files:
        try:
            services.photo_add(user=request.user, property_id=prop.pk, upload=upload_file)
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, _("%(name)s was not added: %(reason)s")
                           % {"name": upload_file.name[:100], "reason": _message(exc)})
        else:
            added += 1
    if added:
        messages.success(request, ngettext("%(count)s photo added.", "%(count)s photos added.", added)
                         % {"count": added})
    return redirect("photos:manage", property_id=prop.pk)


def _act(request, key: str, action, done: str = ""):
    photo = selectors.photo_for_owner(user=request.user, key=key)  # 404 unless one of its verified owners
    try:
        action(photo)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _message(exc))
    else:
        if done:
            messages.success(request, done)
    return redirect("photos:manage", property_id=photo.property_id)


@require_POST
@login_required
def delete(request, key: str):
    return _act(request, key, lambda photo: services.photo_delete(user=request.user, photo=photo),
                _("The photo is deleted."))


@require_POST
@login_required
def cover(request, key: str):
    return _act(request, key, lambda photo: services.photo_set_cover(user=request.user, photo=photo))


@require_POST
@login_required
def move(request, key: str):
    offset = -1 if request.POST.get("direction") == "up" else 1
    return _act(request, key, lambda photo: services.photo_move(user=request.user, photo=photo, offset=offset))


@require_POST
@login_required
def reorder(request, property_id: int):
    prop = selectors.property_for_manager(user=request.user, property_id=property_id)
    try:
        services.photos_reorder(user=request.user, property_id=prop.pk, keys=request.POST.getlist("order"))
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _message(exc))
    return redirect("photos:manage", property_id=prop.pk)


@require_GET
def photo_file(request, key: str, size: str):
    """One size of a photo: to anyone while it is visible (cacheable), a hidden one only to the property's
    owners and staff (never cached). Its URL's key is random; a photo someone may not see is a 404."""
    photo = selectors.photo_for_file(user=request.user, key=key, size=size)
    storage = private_storage()
    name = photo.file_name(size)
    if size not in SIZES or not storage.exists(name):
        raise Http404
    response = FileResponse(storage.open(name, "rb"), content_type=CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    if photo.hidden:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, public=True, max_age=settings.PHOTO_CACHE_SECONDS)
    return response

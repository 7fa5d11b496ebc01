"""Reads for owners' photos: who may see and change them, and their URLs."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from offers.selectors import can_moderate, is_verified_owner
from properties.models import Property

from .images import SIZES
from .models import Photo


def can_manage(*, user, property_id: int) -> bool:
    """A verified owner of the property (several may share it) may upload, order and delete its photos."""
    return is_verified_owner(user=user, property_id=property_id)


def can_see_hidden(*, user, property_id: int) -> bool:
    """Photos staff hid stay visible to the property's owners (with the reason) and to staff."""
    return can_moderate(user) or can_manage(user=user, property_id=property_id)


def property_for_manager(*, user, property_id: int) -> Property:
    """The property whose photos the user manages; 404 for anyone who is not one of its verified owners."""
    prop = get_object_or_404(Property, pk=property_id)
    if not can_manage(user=user, property_id=prop.pk):
        raise Http404
    return prop


def photos_of_property(*, property_id: int, include_hidden: bool = False) -> QuerySet[Photo]:
    photos = Photo.objects.filter(property_id=property_id).order_by("position", "id")
    return photos if include_hidden else photos.filter(hidden=False)


def photos_for_viewer(*, user, property_id: int) -> QuerySet[Photo]:
    return photos_of_property(property_id=property_id,
                              include_hidden=can_see_hidden(user=user, property_id=property_id))


def photo_for_owner(*, user, key: str) -> Photo:
    """A photo of a property the user is a verified owner of; 404 otherwise."""
    photo = get_object_or_404(Photo.objects.select_related("property"), key=key)
    if not can_manage(user=user, property_id=photo.property_id):
        raise Http404
    return photo


def photo_for_file(*, user, key: str, size: str) -> Photo:
    """The photo behind a file URL, if this user may see it: anyone a visible one, a hidden one only its
    property's owners and staff. 404 otherwise (a hidden photo looks like a missing one)."""
    if size not in SIZES:
        raise Http404
    photo = get_object_or_404(Photo, key=key)
    if photo.hidden and not can_see_hidden(user=user, property_id=photo.property_id):
        raise Http404
    return photo


def photo_url(photo: Photo, size: str) -> str:
    return reverse("photos:file", kwargs={"key": photo.key, "size": size})


def photo_urls(photo: Photo) -> dict[str, str]:
    return {size: photo_url(photo, size) for size in SIZES}


def cover_of(photos: list[Photo]) -> Photo | None:
    """The cover among visible photos: the one the owners chose, else the first in their order."""
    visible = [p for p in photos if not p.hidden]
    return next((p for p in visible if p.is_cover), visible[0] if visible else None)

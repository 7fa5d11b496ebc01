"""Owners' photos of a property. The files (one JPEG per size in images.SIZES) live on the private media storage
under photos/<key>/<size>.jpg and are served only by views.photo_file; the key is random and unguessable."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .images import SIZES, SUFFIX


def new_key() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits, URL-safe


class Photo(models.Model):
    property = models.ForeignKey("properties.Property", on_delete=models.CASCADE, related_name="photos",
                                 verbose_name=_("property"))
    # Who uploaded it; None once they are gone and another verified owner kept the photo.
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    key = models.CharField(max_length=40, unique=True, default=new_key, editable=False, verbose_name=_("key"))
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    is_cover = models.BooleanField(_("cover"), default=False)
    width = models.PositiveIntegerField(default=0, help_text=_("In pixels, of the largest stored size."),
                                        verbose_name=_("width"))
    height = models.PositiveIntegerField(default=0, help_text=_("In pixels, of the largest stored size."),
                                         verbose_name=_("height"))
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("hidden by"))
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["property"], condition=models.Q(is_cover=True),
                                    name="photo_one_cover_per_property"),
        ]
        indexes = [models.Index(fields=["property", "position"], name="photo_property_position"),
                   models.Index(fields=["uploaded_by"], name="photo_uploaded_by")]

    def __str__(self) -> str:
        return gettext("Photo #%(id)s of property %(property)s") % {"id": self.pk, "property": self.property_id}

    def file_name(self, size: str) -> str:
        return f"photos/{self.key}/{size}.{SUFFIX}"

    def file_names(self) -> list[str]:
        return [self.file_name(size) for size in SIZES]

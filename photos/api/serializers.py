from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import selectors


class PhotoUrlsSerializer(serializers.Serializer):
    thumb = serializers.CharField(help_text="Absolute URL, 320 px on the long side (JPEG).")
    medium = serializers.CharField(help_text="960 px on the long side.")
    large = serializers.CharField(help_text="1920 px on the long side.")


class PhotoSerializer(serializers.Serializer):
    """A photo of a property. Its files carry no metadata (no EXIF, GPS, XMP or ICC profile)."""

    id = serializers.CharField(source="key", help_text="The photo's random, stable key.")
    position = serializers.IntegerField(help_text="The owners' order (ascending).")
    is_cover = serializers.SerializerMethodField(help_text="The photo shown on result cards, the map and the API.")
    width = serializers.IntegerField(help_text="Of the large size, px.")
    height = serializers.IntegerField()
    hidden = serializers.BooleanField(help_text="Hidden by staff: listed only to the property's owners and staff.")
    urls = serializers.SerializerMethodField()

    def get_is_cover(self, obj) -> bool:
        return obj.pk == self.context.get("cover_id")

    @extend_schema_field(PhotoUrlsSerializer)
    def get_urls(self, obj) -> dict:
        request = self.context["request"]
        return {size: request.build_absolute_uri(url) for size, url in selectors.photo_urls(obj).items()}


class PhotoUploadInputSerializer(serializers.Serializer):
    photo = serializers.FileField(help_text="JPEG, PNG, WebP or HEIC/HEIF, at most 15 MB (PHOTO_MAX_UPLOAD_BYTES). "
                                            "Judged by its content; stored re-encoded without any metadata.")


class PhotoOrderInputSerializer(serializers.Serializer):
    order = serializers.ListField(child=serializers.CharField(max_length=40), max_length=100,
                                  help_text="Every photo id of the property, once each, in the new order.")

from rest_framework import serializers


class PhotoUrlsSerializer(serializers.Serializer):
    thumb = serializers.CharField(help_text="Absolute URL, 320 px on the long side (JPEG).")
    medium = serializers.CharField(help_text="960 px on the long side.")
    large = serializers.CharField(help_text="1920 px on the long side.")


class PhotoSerializer(serializers.Serializer):
    id = serializers.CharField(source="key", help_text="The photo's random, stable key.")
    position = serializers.IntegerField(help_text="The owners' order, from 0.")
    is_cover = serializers.BooleanField(help_text="The photo shown on result cards, the map and the API.")
    width = serializers.IntegerField(help_text="Of the large size, px.")
    height = serializers.IntegerField()
    hidden = serializers.BooleanField(help_text="Hidden by staff: listed only to the property's owners and staff.")
    urls = PhotoUrlsSerializer()


class PhotoListSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True, help_text="Always null: a property has at most 20 photos.")
    results = PhotoSerializer(many=True)

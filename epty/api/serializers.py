"""The API's own shapes (imported by the schema class, which DRF's settings load: nothing here imports a view)."""
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers with."""

    message = serializers.CharField(help_text="What went wrong, in plain words (the user's language).")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. invalid_cursor, property_not_found.")
    extra = serializers.DictField(help_text='Details: {"fields": {field: [{"code", "message"}]}} for invalid '
                                            "input, retry_after_seconds when throttled, suggestions, …")

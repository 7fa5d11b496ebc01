"""Input and output serializers of the saved-things API."""
from __future__ import annotations

from rest_framework import serializers

from epty.api.fields import BoundedDictField, BoundedListField
from properties.api.serializers import PropertySummarySerializer

from ..models import AlertFrequency, Collection, SavedProperty, SavedSearch, SearchHistoryEntry

MAX_PARAMS = 40  # the search takes about 25 parameters
MAX_PARAM_LENGTH = 1000


class CollectionOutputSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Collection
        fields = ["id", "name", "is_default", "item_count", "created_at"]


class CollectionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class SavedPropertyOutputSerializer(serializers.ModelSerializer):
    property = PropertySummarySerializer(read_only=True)

    class Meta:
        model = SavedProperty
        fields = ["id", "collection", "property", "note", "tags", "created_at"]


class SavedPropertyAddInputSerializer(serializers.Serializer):
    property = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    tags = BoundedListField(child=serializers.CharField(max_length=40), required=False, max_length=20)


class SavedPropertyUpdateInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    tags = BoundedListField(child=serializers.CharField(max_length=40), required=False, max_length=20)


class SavedPropertyMoveInputSerializer(serializers.Serializer):
    collection = serializers.IntegerField()


class SavedSearchOutputSerializer(serializers.ModelSerializer):
    params = serializers.DictField(child=serializers.CharField())

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "params", "frequency", "last_notified", "created_at", "updated_at"]


class SavedSearchCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    params = BoundedDictField(child=serializers.CharField(allow_blank=True, max_length=MAX_PARAM_LENGTH),
                              max_length=MAX_PARAMS, max_key_length=40,
                              help_text="Search parameters, exactly as GET /api/v1/properties takes them.")
    frequency = serializers.ChoiceField(choices=AlertFrequency.choices, default=AlertFrequency.DAILY)


class SavedSearchUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    params = BoundedDictField(child=serializers.CharField(allow_blank=True, max_length=MAX_PARAM_LENGTH),
                              max_length=MAX_PARAMS, max_key_length=40, required=False)
    frequency = serializers.ChoiceField(choices=AlertFrequency.choices, required=False)


class SearchHistoryOutputSerializer(serializers.ModelSerializer):
    params = serializers.DictField(child=serializers.CharField())

    class Meta:
        model = SearchHistoryEntry
        fields = ["id", "params", "result_count", "count_is_exact", "via", "created_at"]

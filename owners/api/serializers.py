from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from properties import reference

from ..models import DESCRIPTION_MAX_LENGTH


@extend_schema_field({"type": "integer", "nullable": True})
class PassThroughNumber(serializers.Field):
    """A whole number, passed through as given: the service says precisely what is wrong with it
    (invalid_number, out_of_range). null gives the fact back to Matrikkelen."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": list(reference.FEATURES)},
                      "maxItems": len(reference.FEATURES), "nullable": True})
class PassThroughTags(PassThroughNumber):
    """Feature tags from properties.reference.FEATURES (unknown_feature otherwise)."""


@extend_schema_field({"type": "string", "maxLength": DESCRIPTION_MAX_LENGTH, "nullable": True})
class PassThroughText(PassThroughNumber):
    """Plain text (description_too_long past the limit)."""


class OwnerFactsInputSerializer(serializers.Serializer):
    """Only the keys given change. A value equal to the one in force changes nothing; null (or "" for the
    description) gives a fact back to Matrikkelen (or removes the description)."""

    usable_area = PassThroughNumber(help_text="m², 1–100000.")
    rooms = PassThroughNumber(help_text="1–100.")
    bedrooms = PassThroughNumber(help_text="0–100, at most the rooms.")
    year_built = PassThroughNumber(help_text="1600–this year.")
    year_renovated = PassThroughNumber(help_text="1600–this year, not before the year built.")
    features = PassThroughTags(help_text="The full list of feature tags.")
    description = PassThroughText(help_text=f"Plain text, at most {DESCRIPTION_MAX_LENGTH} characters.")


class FactProvenanceSerializer(serializers.Serializer):
    fact = serializers.CharField()
    value = serializers.JSONField(allow_null=True, help_text="The value in force (search and the valuation use it).")
    source = serializers.CharField(  # type: ignore[assignment]  # the field "source"; the metaclass declares it
        allow_null=True, help_text="Its source: 'owner', 'matrikkel_api', …")
    by_owner = serializers.BooleanField()
    upstream_value = serializers.JSONField(allow_null=True, help_text="When by_owner: Matrikkelen's value.")
    upstream_source = serializers.CharField(allow_null=True)


class OwnerFactsOutputSerializer(serializers.Serializer):
    property_id = serializers.IntegerField()
    facts = FactProvenanceSerializer(many=True)
    description = serializers.CharField(allow_blank=True)
    description_hidden = serializers.BooleanField()
    description_hidden_reason = serializers.CharField(allow_blank=True)

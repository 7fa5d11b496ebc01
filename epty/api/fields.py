"""Serializer fields whose size is always bounded, so no request body can make a view loop for long.

Every list and mapping an input serializer takes has a ``max_length`` (a test walks every input
serializer of the API and checks it); DRF's DictField has none, ``BoundedDictField`` adds it and
documents it as ``maxProperties``. Either field may name the error code a too-long value gets, so a
bound can keep a domain's code (``too_many_locations``).
"""
from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers


class _MaxItems(MaxLengthValidator):
    def __init__(self, limit: int, *, code: str, message: str):
        super().__init__(limit, message)
        self.code = code

    def clean(self, x: Any) -> int:
        return len(x)


class BoundedListField(serializers.ListField):
    """A ListField that needs ``max_length``; ``max_length_code`` names its error code."""

    def __init__(self, *, max_length: int, max_length_code: str = "max_length", **kwargs: Any):
        super().__init__(max_length=max_length, **kwargs)
        if max_length_code != "max_length":
            self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
            self.validators.append(_MaxItems(max_length, code=max_length_code,
                                             message=f"At most {max_length} items."))


class BoundedDictField(serializers.DictField):
    """A DictField with at most ``max_length`` keys, each at most ``max_key_length`` characters."""

    def __init__(self, *, max_length: int, max_key_length: int = 100, max_length_code: str = "max_length",
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.max_key_length = max_key_length
        self.max_length_code = max_length_code

    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, dict) and len(data) > self.max_length:
            raise serializers.ValidationError(f"At most {self.max_length} keys.", code=self.max_length_code)
        if isinstance(data, dict) and any(len(str(key)) > self.max_key_length for key in data):
            raise serializers.ValidationError(f"Keys have at most {self.max_key_length} characters.",
                                              code="key_too_long")
        return super().to_internal_value(data)


class BoundedDictFieldExtension(OpenApiSerializerFieldExtension):
    target_class = BoundedDictField

    def map_serializer_field(self, auto_schema, direction):
        field: BoundedDictField = self.target
        child = auto_schema._map_serializer_field(field.child, direction)
        auto_schema._insert_field_validators(field.child, child)  # the values' maxLength
        return {**(build_basic_type(OpenApiTypes.OBJECT) or {}), "additionalProperties": child,
                "maxProperties": field.max_length}

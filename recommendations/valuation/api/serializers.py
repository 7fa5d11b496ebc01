from rest_framework import serializers


class FactorOutputSerializer(serializers.Serializer):
    group = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label
    effect_percent = serializers.FloatField(help_text="Effect on the estimate against a typical property, in %.")
    text = serializers.CharField(help_text='Plain words, e.g. "Location (Bergen): +18%".')


class ComparableOutputSerializer(serializers.Serializer):
    sale_id = serializers.IntegerField()
    property_id = serializers.IntegerField()
    address = serializers.CharField()
    municipality_name = serializers.CharField()
    sold_on = serializers.DateField()
    price = serializers.IntegerField(help_text="NOK")
    usable_area = serializers.IntegerField(allow_null=True)
    distance_km = serializers.FloatField()


class ValuationOutputSerializer(serializers.Serializer):
    property_id = serializers.IntegerField()
    estimate = serializers.IntegerField(allow_null=True, help_text="NOK")
    low = serializers.IntegerField(allow_null=True, help_text="NOK, 10th percentile")
    high = serializers.IntegerField(allow_null=True, help_text="NOK, 90th percentile")
    source = serializers.CharField(  # type: ignore[assignment]  # a field named like DRF's Field.source
        help_text="What wrote the estimate: valuation-vN, or 'demo'.")
    estimated_at = serializers.DateTimeField(allow_null=True)
    model_version = serializers.IntegerField(allow_null=True)
    typical_value = serializers.IntegerField(
        allow_null=True, help_text="A typical property of the category, the factors' starting point."
    )
    factors = FactorOutputSerializer(many=True)
    explanation_unavailable = serializers.BooleanField(
        help_text="True when the model that wrote the estimate cannot be loaded now: the estimate stands, "
                  "factors are empty.")
    comparables = ComparableOutputSerializer(many=True)

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


class AccuracyOutputSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=["category_county", "category", "all"],
        help_text="Which hold-out sales the figures come from: this category in this county, the category "
                  "nationwide, or every sale (the narrowest with at least 30 sales).")
    category = serializers.CharField()
    county_name = serializers.CharField()
    sales = serializers.IntegerField(help_text="Hold-out sales behind the figures.")
    mdape = serializers.FloatField(help_text="Median absolute percentage error, %.")
    within_10 = serializers.FloatField(help_text="Share of hold-out sales estimated within ±10 %, in %.")
    within_20 = serializers.FloatField(help_text="Share within ±20 %, in %.")


class HistoryPointOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="Model version that wrote the estimate.")
    estimated_at = serializers.DateTimeField()
    estimate = serializers.IntegerField(help_text="NOK")
    low = serializers.IntegerField(help_text="NOK, 10th percentile")
    high = serializers.IntegerField(help_text="NOK, 90th percentile")


class RecordedSaleOutputSerializer(serializers.Serializer):
    sold_on = serializers.DateField()
    price = serializers.IntegerField(help_text="NOK")


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
    accuracy = AccuracyOutputSerializer(
        allow_null=True, help_text="The active version's hold-out accuracy for estimates like this one.")
    comparables_used = serializers.IntegerField(
        allow_null=True, help_text="Recorded sales nearby that the model's comparable-sales features rest on.")
    history = HistoryPointOutputSerializer(many=True, help_text="Every model version's estimate, oldest first.")
    sales = RecordedSaleOutputSerializer(many=True, help_text="Recorded sales of this property, oldest first.")

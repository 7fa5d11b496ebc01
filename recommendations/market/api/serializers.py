from rest_framework import serializers


class TrendsQuerySerializer(serializers.Serializer):
    region = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                   help_text="Municipality or county name or number (case- and accent-insensitive); "
                                             "empty: Norway.")


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="2024Q4 (quarter) or 2024 (year).")
    value = serializers.FloatField()
    sales = serializers.IntegerField(allow_null=True)


class TrendSeriesSerializer(serializers.Serializer):
    source = serializers.CharField(  # type: ignore[assignment]  # a field named like DRF's Field.source
        help_text="ssb or platform (epty's recorded sales).")
    metric = serializers.CharField(help_text="index or price_m2.")
    unit = serializers.CharField()
    region_kind = serializers.CharField()
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    dwelling_type = serializers.CharField()
    points = TrendPointSerializer(many=True)


class RegionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()


class ChangeSerializer(serializers.Serializer):
    value = serializers.FloatField(help_text="Yearly change as a fraction: 0.10 = +10 %.")
    region_name = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.source
    period = serializers.CharField()


class TrendsOutputSerializer(serializers.Serializer):
    region = RegionSerializer()
    change_1y = ChangeSerializer(allow_null=True)
    series = TrendSeriesSerializer(many=True)
    attribution = serializers.CharField()

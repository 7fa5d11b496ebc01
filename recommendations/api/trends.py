"""GET /api/v1/market/trends?region=… : SSB's and epty's price series for a region, with the yearly change."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from epty.errors import ApplicationError

from ..trends import regions
from ..trends.selectors import trends_for_region


class UnknownRegion(ApplicationError):
    code = "unknown_region"


class TrendsQuerySerializer(serializers.Serializer):
    region = serializers.CharField(required=False, allow_blank=True,
                                   help_text="Municipality or county name or number (case- and accent-insensitive); "
                                             "empty: Norway.")


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="2024Q4 (quarter) or 2024 (year).")
    value = serializers.FloatField()
    sales = serializers.IntegerField(allow_null=True)


class TrendSeriesSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="ssb or platform (epty's recorded sales).")
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
    source = serializers.CharField()
    period = serializers.CharField()


class TrendsOutputSerializer(serializers.Serializer):
    region = RegionSerializer()
    change_1y = ChangeSerializer(allow_null=True)
    series = TrendSeriesSerializer(many=True)
    attribution = serializers.CharField()


def region_from_query(value: str | None) -> regions.Region:
    if not value or not value.strip():
        return regions.NATIONAL
    region = regions.resolve(value)
    if region is None:
        hints = regions.suggestions(value)
        message = _("Unknown region: %(v)s.") % {"v": value}
        if hints:
            message += " " + _("Did you mean %(hints)s?") % {"hints": ", ".join(hints)}
        raise UnknownRegion(message, extra={"suggestions": hints})
    return region


class MarketTrendsApi(APIView):
    """Price index and price per m² for a region, from SSB (Statistisk sentralbyrå, NLOD) and epty's own sales."""

    @extend_schema(operation_id="market_trends", parameters=[TrendsQuerySerializer],
                   responses={200: TrendsOutputSerializer}, tags=["market"])
    def get(self, request: Request) -> Response:
        query = TrendsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = region_from_query(query.validated_data.get("region"))
        return Response(TrendsOutputSerializer(trends_for_region(region=region)).data)

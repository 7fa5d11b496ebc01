"""GET /api/v1/market/trends?region=… : SSB's and epty's price series for a region, with the yearly change."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors import region_from_query, trends_for_region
from .serializers import TrendsOutputSerializer, TrendsQuerySerializer


class MarketTrendsApi(APIView):
    """Price index and price per m² for a region, from SSB (Statistisk sentralbyrå, NLOD) and epty's own sales."""

    @extend_schema(operation_id="market_trends", parameters=[TrendsQuerySerializer],
                   responses={200: TrendsOutputSerializer}, tags=["market"])
    def get(self, request: Request) -> Response:
        query = TrendsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = region_from_query(query.validated_data.get("region"))
        return Response(TrendsOutputSerializer(trends_for_region(region=region)).data)

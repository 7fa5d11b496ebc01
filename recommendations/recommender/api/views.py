"""POST /api/v1/ai/recommend: ranked properties with a score and plain-language reasons."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from epty.api.errors import ErrorSerializer

from ..selectors import applied_preferences_data, recommendations_data, recommendations_get
from .serializers import RecommendInputSerializer, RecommendOutputSerializer

SEED_EXAMPLE = {"user_preferences": {"budget_range": [5000000, 8000000], "locations": ["Oslo", "Bergen"],
                                     "property_type": "cabin", "amenities": ["waterfront", "sauna"]},
                "market_trends": {}}


class RecommendApi(APIView):
    """Recommend properties for the given `user_preferences`; logged in, also from your own saves and searches.

    Hard constraints: property type, budget (± RECOMMENDER_BUDGET_TOLERANCE), locations. Soft:
    amenities, value against similar properties, market momentum, your own behaviour. Bad
    preferences give 400 with a code per problem (budget_min_above_max, negative_amount,
    unknown_property_type, unknown_amenity, unknown_location with suggestions, too_many_locations,
    too_many_market_trends). The body is bounded: at most RECOMMENDER_MAX_LOCATIONS locations and 30
    market_trends regions.
    Throttled per client (scope recommend): 429 `throttled` with `extra.retry_after_seconds`.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "recommend"
    replica_reads = True  # a POST that only reads: served from the read replica when there is one (epty/replica.py)

    @extend_schema(operation_id="ai_recommend", request=RecommendInputSerializer,
                   responses={200: RecommendOutputSerializer, 400: ErrorSerializer}, tags=["recommendations"],
                   examples=[OpenApiExample("The seed's example", value=SEED_EXAMPLE, request_only=True)])
    def post(self, request: Request) -> Response:
        # The serializer bounds the body's shape and size; the preferences parser checks its meaning (and codes).
        data = RecommendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        prefs, results = recommendations_get(
            user_preferences=dict(body["user_preferences"]), market_trends=body.get("market_trends"),
            user=request.user, limit=body.get("limit"), include_saved=body["include_saved"])
        personalised = bool(request.user and request.user.is_authenticated)
        return Response(RecommendOutputSerializer(
            {"applied": applied_preferences_data(prefs, personalised=personalised),
             "results": recommendations_data(results)}).data)

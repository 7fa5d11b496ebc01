"""POST /api/v1/ai/recommend (F9): ranked properties with a score and plain-language reasons."""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from properties.models import Category
from properties.reference import FEATURES

from ..recommender.selectors import recommendations_get

SEED_EXAMPLE = {"user_preferences": {"budget_range": [5000000, 8000000], "locations": ["Oslo", "Bergen"],
                                     "property_type": "cabin", "amenities": ["waterfront", "sauna"]},
                "market_trends": {}}


class UserPreferencesInputSerializer(serializers.Serializer):
    budget_range = serializers.ListField(child=serializers.IntegerField(allow_null=True), required=False,
                                         allow_null=True, help_text="[min, max] in NOK; either may be null.")
    locations = serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text="Municipality or county names (case- and accent-insensitive) or numbers.")
    property_type = serializers.CharField(required=False, allow_null=True,
                                          help_text=f"One of {', '.join(Category.values)}; empty: any.")
    amenities = serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text=f"Feature tags: {', '.join(FEATURES)}.")


class RecommendInputSerializer(serializers.Serializer):
    user_preferences = UserPreferencesInputSerializer()
    market_trends = serializers.DictField(
        child=serializers.FloatField(), required=False,
        help_text='Empty: epty\'s own trends. Otherwise a yearly price change in per cent per region, {"Bergen": 10.3}.')
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50)
    include_saved = serializers.BooleanField(required=False, default=False,
                                             help_text="Logged in: also recommend properties you already saved.")


class RecommendedPropertySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    town = serializers.CharField()
    municipality_number = serializers.CharField()
    municipality_name = serializers.CharField()
    county_name = serializers.CharField()
    category = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    usable_area = serializers.IntegerField(allow_null=True)
    estimate = serializers.IntegerField(allow_null=True)
    features = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField()


class RecommendationOutputSerializer(serializers.Serializer):
    property = RecommendedPropertySerializer()
    score = serializers.FloatField(help_text="0–1, higher is a better match.")
    reasons = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField(help_text="The reasons as one sentence.")
    signals = serializers.DictField(child=serializers.FloatField(), help_text="Each signal's score, 0–1.")


class AppliedPreferencesSerializer(serializers.Serializer):
    budget_range = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    budget_tolerance = serializers.FloatField()
    locations = serializers.ListField(child=serializers.DictField())
    property_type = serializers.CharField(allow_null=True)
    amenities = serializers.ListField(child=serializers.CharField())
    market_trends = serializers.CharField(help_text="'epty' (ours) or 'request'.")
    personalised = serializers.BooleanField()


class RecommendOutputSerializer(serializers.Serializer):
    applied = AppliedPreferencesSerializer()
    results = RecommendationOutputSerializer(many=True)


def applied_data(prefs, *, personalised: bool) -> dict:
    from django.conf import settings
    return {"budget_range": [prefs.budget_min, prefs.budget_max],
            "budget_tolerance": settings.RECOMMENDER_BUDGET_TOLERANCE,
            "locations": [{"kind": r.kind, "code": r.code, "name": r.name} for r in prefs.locations],
            "property_type": prefs.property_type, "amenities": list(prefs.amenities),
            "market_trends": "request" if prefs.market_overrides else "epty", "personalised": personalised}


def results_data(results) -> list[dict]:
    out = []
    for r in results:
        prop = dict(r.property)
        prop["url"] = reverse("properties:detail", args=[prop["id"]])
        out.append({"property": prop, "score": r.score, "reasons": r.reasons, "explanation": "; ".join(r.reasons),
                    "signals": r.signals})
    return out


class RecommendApi(APIView):
    """Recommend properties for F9's `user_preferences`; logged in, also from your own saves and searches.

    Hard constraints: property type, budget (± RECOMMENDER_BUDGET_TOLERANCE), locations. Soft:
    amenities, value against similar properties, market momentum, your own behaviour. Bad
    preferences give 400 with a code per problem (budget_min_above_max, negative_amount,
    unknown_property_type, unknown_amenity, unknown_location with suggestions, too_many_locations).
    """

    @extend_schema(operation_id="ai_recommend", request=RecommendInputSerializer,
                   responses={200: RecommendOutputSerializer}, tags=["recommendations"],
                   examples=[OpenApiExample("The seed's example", value=SEED_EXAMPLE, request_only=True)])
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        # Semantic checks (and their codes) live in the service; the serializer documents the shape.
        limit = body.get("limit")
        if limit is not None:
            serializer = RecommendInputSerializer(data={"user_preferences": {}, "limit": limit})
            serializer.is_valid(raise_exception=True)
        prefs, results = recommendations_get(
            user_preferences=body.get("user_preferences"), market_trends=body.get("market_trends"),
            user=request.user, limit=limit, include_saved=bool(body.get("include_saved", False)))
        personalised = bool(request.user and request.user.is_authenticated)
        return Response(RecommendOutputSerializer(
            {"applied": applied_data(prefs, personalised=personalised), "results": results_data(results)}).data)

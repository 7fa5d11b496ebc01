from django.conf import settings
from rest_framework import serializers

from epty.api.fields import BoundedDictField, BoundedListField
from properties.models import Category
from properties.reference import FEATURES

from ..preferences import MAX_MARKET_TRENDS

NAME_LENGTH = 100


class UserPreferencesInputSerializer(serializers.Serializer):
    """The shape and size of the preferences; their meaning (known places, types, tags) is checked after."""

    budget_range = BoundedListField(
        child=serializers.IntegerField(allow_null=True), required=False, allow_null=True, max_length=2,
        help_text="[min, max] in NOK; either may be null.")
    locations = BoundedListField(
        child=serializers.CharField(max_length=NAME_LENGTH), required=False,
        max_length=settings.RECOMMENDER_MAX_LOCATIONS, max_length_code="too_many_locations",
        help_text="Municipality or county names (case- and accent-insensitive) or numbers.")
    property_type = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=50,
                                          help_text=f"One of {', '.join(Category.values)}; empty: any.")
    amenities = BoundedListField(child=serializers.CharField(max_length=50), required=False,
                                 max_length=len(FEATURES), max_length_code="too_many_amenities",
                                 help_text=f"Feature tags: {', '.join(FEATURES)}.")


class RecommendInputSerializer(serializers.Serializer):
    user_preferences = UserPreferencesInputSerializer()
    market_trends = BoundedDictField(
        child=serializers.FloatField(), required=False, max_length=MAX_MARKET_TRENDS, max_key_length=NAME_LENGTH,
        max_length_code="too_many_market_trends",
        help_text='Empty: epty\'s own trends. Otherwise a yearly price change in per cent per region, '
                  f'{{"Bergen": 10.3}}; at most {MAX_MARKET_TRENDS} regions.')
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

from rest_framework import serializers

from properties.models import Category
from properties.reference import FEATURES


class UserPreferencesInputSerializer(serializers.Serializer):
    budget_range = serializers.ListField(child=serializers.IntegerField(allow_null=True), required=False,
                                         allow_null=True, help_text="[min, max] in NOK; either may be null.")
    locations = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="Municipality or county names (case- and accent-insensitive) or numbers.")
    property_type = serializers.CharField(required=False, allow_null=True,
                                          help_text=f"One of {', '.join(Category.values)}; empty: any.")
    amenities = serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text=f"Feature tags: {', '.join(FEATURES)}.")


class RecommendInputSerializer(serializers.Serializer):
    user_preferences = UserPreferencesInputSerializer()
    market_trends = serializers.DictField(
        child=serializers.FloatField(), required=False,
        help_text='Empty: epty\'s own trends. Otherwise a yearly price change in per cent per region, '
                  '{"Bergen": 10.3}.')
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

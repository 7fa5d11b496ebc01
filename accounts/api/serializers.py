from rest_framework import serializers

from epty.api.fields import BoundedListField

from ..models import ApiToken, User


class BudgetSerializer(serializers.Serializer):
    min = serializers.IntegerField(allow_null=True, min_value=0, required=False)
    max = serializers.IntegerField(allow_null=True, min_value=0, required=False)


class PreferencesSerializer(serializers.Serializer):
    """The same shape as the recommend request's `user_preferences`."""

    budget = BudgetSerializer(required=False)
    locations = BoundedListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    property_type = serializers.CharField(allow_null=True, required=False, max_length=50)
    amenities = BoundedListField(child=serializers.CharField(max_length=100), required=False, max_length=50)


class MeOutputSerializer(serializers.ModelSerializer):
    preferences = PreferencesSerializer()

    class Meta:
        model = User
        fields = ["name", "birth_date", "email", "email_confirmed_at", "language", "phone", "preferences",
                  "date_joined"]


class MeUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=300)
    language = serializers.ChoiceField(choices=["nb", "en"], required=False)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30,
                                  help_text="8 to 15 digits, optional leading +; blank removes it (invalid_phone).")
    preferences = PreferencesSerializer(required=False)


class MeEmailChangeInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class MeEmailChangeOutputSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="Where the confirmation link was sent.")


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]


class ApiTokenPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last page.")
    results = ApiTokenOutputSerializer(many=True)


class ApiTokenCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ApiTokenCreatedSerializer(ApiTokenOutputSerializer):
    token = serializers.CharField(help_text="The secret. Shown only in this response; store it now.")

    class Meta(ApiTokenOutputSerializer.Meta):
        fields = [*ApiTokenOutputSerializer.Meta.fields, "token"]

from rest_framework import serializers

from ..models import Property


class PropertySummarySerializer(serializers.ModelSerializer):
    """A property. A fact that is null is unknown; `fact_sources` says where each fact came from
    (matrikkel_api, open_register, owner, demo), and `features` lists only the tags a source recorded:
    where fact_sources has no "features", a missing tag means unknown, not no. Where the owner supplied a
    fact, the value here is the owner's and fact_sources["upstream"][fact] holds the register's {value, source}."""

    is_synthetic = serializers.BooleanField(read_only=True, help_text="Every fact of this property is generated.")
    distance_km = serializers.SerializerMethodField()
    cover_photo = serializers.SerializerMethodField(
        help_text="Absolute URL of the cover photo's thumbnail (320 px, JPEG), or null without photos. "
                  "All photos: GET /api/v1/properties/{id}/photos.")
    open_to_offers = serializers.SerializerMethodField()

    class Meta:
        model = Property
        fields = [
            "id", "external_id", "is_synthetic", "category", "building_type_code", "address", "postcode", "town",
            "municipality_number", "municipality_name", "county_number", "county_name", "lat", "lon",
            "usable_area", "plot_area", "rooms", "bedrooms", "floors", "year_built", "features", "fact_sources",
            "estimate", "estimate_low", "estimate_high", "distance_km", "cover_photo", "open_to_offers",
        ]
        read_only_fields = fields

    def get_open_to_offers(self, obj) -> bool:
        """Whether a verified owner has opened the property to offers (the search's open_to_offers filter)."""
        return obj.open_to_offers_since is not None

    def get_distance_km(self, obj) -> float | None:
        distance = getattr(obj, "distance", None)
        return None if distance is None else round(distance, 3)

    def get_cover_photo(self, obj) -> str | None:
        return absolute_cover_url(self.context.get("request"), obj.cover_photo)


def absolute_cover_url(request, path: str) -> str | None:
    if not path:
        return None
    return request.build_absolute_uri(path) if request is not None else path


class PropertyDetailSerializer(PropertySummarySerializer):
    class Meta(PropertySummarySerializer.Meta):
        fields = [
            *PropertySummarySerializer.Meta.fields, "addresses", "matrikkelenhet_id", "source", "estimate_source",
            "estimated_at",
            "upstream_payload", "upstream_changed_at", "retired_at", "updated_at",
        ]
        read_only_fields = fields


class PropertySearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, help_text="Number of matches, capped at 10,000 (see "
                                     "count_is_exact); null unless count=true was asked for.")
    count_is_exact = serializers.BooleanField()
    next = serializers.CharField(allow_null=True, help_text="URL of the next page, or null on the last page.")
    results = PropertySummarySerializer(many=True)


class MapPointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    title = serializers.CharField(help_text="The address, or the matrikkel number without one.")
    municipality_name = serializers.CharField()
    category = serializers.CharField(allow_null=True, help_text="residential, cabin or commercial (null: unknown).")
    category_label = serializers.CharField(allow_null=True, help_text="The category in the request's language.")
    usable_area = serializers.IntegerField(allow_null=True, help_text="m²")
    rooms = serializers.IntegerField(allow_null=True)
    estimate = serializers.IntegerField(allow_null=True, help_text="NOK")
    estimate_per_m2 = serializers.IntegerField(allow_null=True, help_text="NOK per m² of usable area")
    cover_photo = serializers.CharField(allow_null=True, help_text="Absolute URL of the cover photo's thumbnail.")


class MapClusterSerializer(serializers.Serializer):
    lat = serializers.FloatField(help_text="Mean position of the cell's properties.")
    lon = serializers.FloatField()
    count = serializers.IntegerField()
    id = serializers.IntegerField(required=False, help_text="The property, when the cell holds exactly one.")


class MapCellsSerializer(serializers.Serializer):
    zoom = serializers.IntegerField()
    cell_lon = serializers.FloatField(help_text="Cell width in degrees of longitude.")
    cell_lat = serializers.FloatField(help_text="Cell height in degrees of latitude.")
    total = serializers.IntegerField(help_text="Matches inside the view (at street level: points returned).")
    clusters = MapClusterSerializer(many=True)
    points = MapPointSerializer(many=True, allow_null=True,
                                help_text="At street level (zoom 15 and closer): each property in the view.")
    truncated = serializers.BooleanField(help_text="More than 500 properties at street level: zoom in for all.")


class AddressSuggestionSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The address as Kartverket writes it (adressetekst).")
    postcode = serializers.CharField()
    town = serializers.CharField()
    municipality_number = serializers.CharField()
    municipality_name = serializers.CharField()
    matrikkel_number = serializers.CharField(source="ident", help_text="The matrikkelenhet it belongs to "
                                                                       "(kommunenummer-gnr/bnr/fnr/0).")
    lat = serializers.FloatField(help_text="WGS84")
    lon = serializers.FloatField(help_text="WGS84")
    property_id = serializers.IntegerField(allow_null=True, help_text="The epty property at this address, if any.")


class AddressSuggestionsSerializer(serializers.Serializer):
    results = AddressSuggestionSerializer(many=True)
    stale = serializers.BooleanField(
        help_text="Served from an older copy while Kartverket is refreshed or unreachable."
    )
    age_seconds = serializers.IntegerField(help_text="Seconds since Kartverket gave this answer.")

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from epty.errors import ApplicationError

from ..matrikkelen.interface import MatrikkelError
from ..matrikkelen.lookups import address_suggestions
from ..models import Category, Property
from ..search import params as search_params
from ..search.selectors import MAP_MAX_ZOOM, properties_map_cells
from ..search.services import search_run
from .serializers import (
    AddressSuggestionsSerializer,
    MapCellsSerializer,
    PropertyDetailSerializer,
    PropertySearchPageSerializer,
    PropertySummarySerializer,
)


class PropertySearchSchema(AutoSchema):
    """Documents every parameter of the search's table (read when the schema is generated)."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(),
                *(OpenApiParameter(p.name, p.openapi_type, description=str(p.help_text))
                  for p in search_params.params() if p.documented)]


class PropertyListApi(APIView):
    """Search every property in Norway."""

    schema = PropertySearchSchema()

    @extend_schema(responses=PropertySearchPageSerializer, summary="Search properties", tags=["properties"],
                   operation_id="properties_search")
    def get(self, request):
        page = search_run(query=request.query_params, user=request.user, via="api", page_size=settings.SEARCH_PAGE_SIZE)
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        return Response({
            "count": page.count,
            "count_is_exact": page.count_is_exact,
            "next": next_url,
            "results": PropertySummarySerializer(page.results, many=True).data,
        })


class PropertyMapCellsApi(APIView):
    """Every match of a search inside a map view, as clusters in grid cells (or single properties up close)."""

    schema = PropertySearchSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("zoom", OpenApiTypes.INT, required=True,
                             description=f"The map's zoom level (0–{MAP_MAX_ZOOM}); cells are about 64 pixels wide."),
            OpenApiParameter("view", OpenApiTypes.STR, required=True,
                             description="The map view min_lon,min_lat,max_lon,max_lat (WGS84)."),
        ],
        responses=MapCellsSerializer, summary="Search results on a map, aggregated", tags=["properties"],
        operation_id="properties_map_cells")
    def get(self, request):
        params = {k: v for k, v in request.query_params.items() if k not in ("zoom", "view")}
        cells = properties_map_cells(params=params, zoom=request.query_params.get("zoom"),
                                     view=request.query_params.get("view"))
        points = None
        if cells.points is not None:
            labels = dict(Category.choices)
            points = [{**p, "title": p["address"] or p["external_id"],
                       "category_label": labels.get(p["category"]) if p["category"] else None,
                       "estimate_per_m2": round(p["estimate"] / p["usable_area"])
                       if p["estimate"] and p["usable_area"] else None} for p in cells.points]
        return Response(MapCellsSerializer({
            "zoom": cells.zoom, "cell_lon": cells.cell_lon, "cell_lat": cells.cell_lat, "total": cells.total,
            "clusters": cells.clusters, "points": points, "truncated": cells.truncated}).data)


class PropertyDetailApi(RetrieveAPIView):
    """One property, with its upstream payload."""

    serializer_class = PropertyDetailSerializer
    queryset = Property.objects.all()

    @extend_schema(summary="Get a property", tags=["properties"], operation_id="properties_get")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UpstreamUnavailableError(ApplicationError):
    code = "upstream_unavailable"
    status_code = 503


class AddressSuggestApi(APIView):
    """Address suggestions for the search box, from Kartverket's open address API through epty's cache."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "address_suggest"

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True,
                                     description="What the user typed: street and number, and a place if they like "
                                                 "(\"Gobakkvegen 438, Elverum\"); 3 to 100 characters.")],
        responses=AddressSuggestionsSerializer, summary="Suggest addresses", tags=["properties"],
        operation_id="addresses_suggest")
    def get(self, request):
        try:
            results, read = address_suggestions(text=request.query_params.get("q", ""))
        except MatrikkelError as exc:
            raise UpstreamUnavailableError("Kartverket's address service cannot answer right now; try again shortly.",
                                           extra={"reason": exc.code}) from exc
        return Response(AddressSuggestionsSerializer(
            {"results": results, "stale": read.stale, "age_seconds": int(read.age)}).data)

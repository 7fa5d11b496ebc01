from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from epty.api.errors import ErrorSerializer
from epty.api.pagination import page_response
from epty.api.schema import ApiAutoSchema

from ..errors import UpstreamUnavailableError
from ..matrikkelen.interface import MatrikkelError
from ..matrikkelen.lookups import address_suggestions
from ..models import Category, Property
from ..search import params as search_params
from ..search.querystring import search_params_normalise
from ..search.selectors import MAP_MAX_ZOOM, properties_map_cells
from ..search.services import search_run
from .serializers import (
    AddressSuggestionsSerializer,
    MapCellsSerializer,
    PropertyDetailSerializer,
    PropertySearchPageSerializer,
    PropertySummarySerializer,
    absolute_cover_url,
)


class PropertySearchSchema(ApiAutoSchema):
    """Documents every parameter of the search's table (read when the schema is generated)."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(),
                *(OpenApiParameter(p.name, p.openapi_type, description=str(p.help_text))
                  for p in search_params.params() if p.documented)]


class CountedSearchThrottle(ScopedRateThrottle):
    """Searches that ask for a count scan every matching row: those are throttled (scope counted_search);
    paging without a count is not."""

    def allow_request(self, request, view) -> bool:
        counted = search_params.param("count").parse(search_params_normalise(request.query_params).get("count", ""))
        if not counted:  # read as search_run reads it
            return True
        return super().allow_request(request, view)


class PropertyListApi(APIView):
    """Search every property in Norway."""

    schema = PropertySearchSchema()
    throttle_classes = [CountedSearchThrottle]
    throttle_scope = "counted_search"
    repeatable_parameters = "*"  # the search joins a repeated parameter's values with commas

    @extend_schema(responses=PropertySearchPageSerializer, summary="Search properties", tags=["properties"],
                   operation_id="properties_search",
                   description="With `count=true` the search also counts its matches; such searches are throttled "
                               "per client (429 `throttled`, with `extra.retry_after_seconds`).")
    def get(self, request):
        page = search_run(query=request.query_params, user=request.user, via="api", page_size=settings.SEARCH_PAGE_SIZE)
        results = PropertySummarySerializer(page.results, many=True, context={"request": request}).data
        return page_response(request=request, results=results,
                             next_cursor=page.next_cursor, count=page.count, count_is_exact=page.count_is_exact)


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
                       "cover_photo": absolute_cover_url(request, p["cover_photo"]),
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


class AddressSuggestApi(APIView):
    """Address suggestions for the search box, from Kartverket's open address API through epty's cache."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "address_suggest"

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True,
                                     description="What the user typed: street and number, and a place if they like "
                                                 "(\"Gobakkvegen 438, Elverum\"); 3 to 100 characters.")],
        responses={200: AddressSuggestionsSerializer, 503: ErrorSerializer}, summary="Suggest addresses",
        tags=["properties"], operation_id="addresses_suggest")
    def get(self, request):
        try:
            results, read = address_suggestions(text=request.query_params.get("q", ""))
        except MatrikkelError as exc:
            raise UpstreamUnavailableError("Kartverket's address service cannot answer right now; try again shortly.",
                                           extra={"reason": exc.code}) from exc
        return Response(AddressSuggestionsSerializer(
            {"results": results, "stale": read.stale, "age_seconds": int(read.age)}).data)

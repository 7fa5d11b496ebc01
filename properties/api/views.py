from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from epty.errors import ApplicationError

from ..filters import PropertyFilter
from ..matrikkelen.interface import MatrikkelError
from ..matrikkelen.lookups import address_suggestions
from ..models import Property
from ..selectors import properties_search
from ..signals import search_params_for_record, search_performed
from .serializers import (
    AddressSuggestionsSerializer,
    PropertyDetailSerializer,
    PropertySearchPageSerializer,
    PropertySummarySerializer,
)

SEARCH_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=str(f.extra.get("help_text", "")))
    for name, f in PropertyFilter.base_filters.items()
] + [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque page cursor from `next`."),
    OpenApiParameter("count", OpenApiTypes.BOOL, description="Also count the matches (up to 10,000). "
                     "Costs a scan of the matching rows; leave it off for fast paging."),
]


class PropertyListApi(APIView):
    """Search every property in Norway."""

    @extend_schema(parameters=SEARCH_PARAMETERS, responses=PropertySearchPageSerializer,
                   summary="Search properties", tags=["properties"], operation_id="properties_search")
    def get(self, request):
        with_count = request.query_params.get("count", "").lower() in {"1", "true", "yes"}
        page = properties_search(params=request.query_params, cursor=request.query_params.get("cursor"),
                                 page_size=settings.SEARCH_PAGE_SIZE, with_count=with_count)
        if not request.query_params.get("cursor"):
            search_performed.send(sender=type(self), user=request.user,
                                  params=search_params_for_record(request.query_params),
                                  result_count=page.count, count_is_exact=page.count_is_exact, via="api")
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        return Response({
            "count": page.count,
            "count_is_exact": page.count_is_exact,
            "next": next_url,
            "results": PropertySummarySerializer(page.results, many=True).data,
        })


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

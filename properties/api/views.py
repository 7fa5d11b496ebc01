from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from ..filters import PropertyFilter
from ..models import Property
from ..selectors import properties_search
from ..signals import search_params_for_record, search_performed
from .serializers import PropertyDetailSerializer, PropertySearchPageSerializer, PropertySummarySerializer

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

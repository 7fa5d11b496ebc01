from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from ..models import Property
from ..search import params as search_params
from ..search.services import search_run
from .serializers import PropertyDetailSerializer, PropertySearchPageSerializer, PropertySummarySerializer


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


class PropertyDetailApi(RetrieveAPIView):
    """One property, with its upstream payload."""

    serializer_class = PropertyDetailSerializer
    queryset = Property.objects.all()

    @extend_schema(summary="Get a property", tags=["properties"], operation_id="properties_get")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

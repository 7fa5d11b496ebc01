from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView

from epty.api.pagination import ordered_by
from properties.models import Property

from .. import selectors
from .serializers import PhotoSerializer


class PropertyPhotoListApi(ListAPIView):
    """A property's photos in the owners' order (at most 20), files as absolute URLs. Photos hidden by staff are
    listed only to the property's verified owners and to staff."""

    serializer_class = PhotoSerializer
    pagination_class = ordered_by("position", "id")

    def get_queryset(self):
        prop = get_object_or_404(Property, pk=self.kwargs["pk"])
        return selectors.photos_for_viewer(user=self.request.user, property_id=prop.pk)

    def get_serializer_context(self) -> dict:
        context = dict(super().get_serializer_context())
        if "pk" in self.kwargs:
            cover = selectors.cover_of(list(selectors.photos_of_property(property_id=self.kwargs["pk"])))
            context["cover_id"] = cover.pk if cover else None
        return context

    @extend_schema(operation_id="property_photos", tags=["photos"], summary="A property's photos")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

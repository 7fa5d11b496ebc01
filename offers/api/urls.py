from django.urls import path

from . import views

app_name = "offers-api"

urlpatterns = [
    path("offers", views.OfferListSubmitApi.as_view(), name="offers"),
    path("offers/received", views.OfferReceivedListApi.as_view(), name="received"),
    path("offers/<int:offer_id>", views.OfferDetailApi.as_view(), name="detail"),
    path("offers/<int:offer_id>/withdraw", views.OfferWithdrawApi.as_view(), name="withdraw"),
    path("offers/<int:offer_id>/accept", views.OfferAcceptApi.as_view(), name="accept"),
    path("offers/<int:offer_id>/decline", views.OfferDeclineApi.as_view(), name="decline"),
    path("offers/<int:offer_id>/contacts", views.OfferContactsApi.as_view(), name="contacts"),
    path("offers/properties/<int:property_id>/openness", views.PropertyOpennessApi.as_view(), name="openness"),
    path("offers/owner/properties", views.OwnerPropertiesApi.as_view(), name="owner-properties"),
    path("claims", views.ClaimListSubmitApi.as_view(), name="claims"),
    path("claims/<int:claim_id>", views.ClaimDetailApi.as_view(), name="claim-detail"),
]

from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("received/", views.received, name="received"),
    path("owner/", views.owner_dashboard, name="owner"),
    path("property/<int:property_id>/openness/", views.openness, name="openness"),
    path("<int:offer_id>/contacts/", views.contacts, name="contacts"),
    path("claims/", views.claims, name="claims"),
    path("claims/documents/<path:name>", views.claim_document, name="claim_document"),
    path("property/<int:property_id>/offer/", views.offer_new, name="new"),
    path("property/<int:property_id>/claim/", views.claim_new, name="claim"),
    path("<int:offer_id>/", views.detail, name="detail"),
    path("<int:offer_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:offer_id>/accept/", views.accept, name="accept"),
    path("<int:offer_id>/decline/", views.decline, name="decline"),
]

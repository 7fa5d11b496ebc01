"""Every route, crawled by people who must not see or change an owner's things.

An owner has facts, a description staff hid, a visible and a hidden photo, the property open to offers with a
private reserve, and an accepted offer whose contacts both sides shared. Canaries (the reserve, both sides'
phone numbers and e-mail addresses, the hidden description and its reason, the hidden photo's key) are
planted in all of it. A stranger (logged in by session and by API token), an anonymous visitor and the buyer
then request **every route of the site and the API** (ids filled with the owner's objects) by GET, and the
stranger and the visitor by POST/PUT/PATCH/DELETE too. No response may carry a canary the viewer may not
see, none may be a server error, and afterwards nothing the owner or the buyer stored has changed. A new
route with an id this test cannot fill fails it, so every new page and endpoint joins the sweep.
"""
from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image
from rest_framework.test import APIClient

from accounts.services import api_token_create
from offers import services as offer_services
from offers.models import Offer, OfferStatus, PropertyOpenness
from offers.tests.factories import BuyerFactory, offer_in_state
from owners import services as owner_services
from owners.models import FactChange, OwnerDescription, OwnerFact
from photos import services as photo_services
from photos.models import Photo
from properties.models import Property

from .conftest import matrikkel_property, verified_owner

pytestmark = pytest.mark.django_db

RESERVE = 6_123_457
OWNER_PHONE, BUYER_PHONE = "+4799911122", "+4798877665"
OWNER_EMAIL, BUYER_EMAIL = "owner-canary@example.no", "buyer-canary@example.no"
HIDDEN_TEXT, HIDDEN_REASON = "Canary description nobody may read", "Canary reason for hiding"

# Route parameters the sweep fills with the owner's objects; a new name must be added here (or the test fails).
FILLED = {"pk", "property_id", "offer_id", "key", "size", "claim_id"}
# Routes whose parameters are the visitor's own objects or secrets (tokens, ids of their own rows): each has its
# own ownership tests; the sweep requests them with the owner's row ids where they are ints, never a 2xx.
OWN_ROWS = {"token_id", "collection_id", "item_id", "saved_search_id", "entry_id"}
NOT_CRAWLED = ("admin/", "oidc/", "accounts/logout", "accounts/login", "accounts/bankid/", "api/v1/auth/", "dev/",
               "i18n/", "api/v1/schema", "api/v1/docs", "accounts/alerts/", "accounts/profile/email/",
               "offers/claims/documents/", "__")


def _routes() -> list[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)
    return sorted({r for r in walk(get_resolver().url_patterns) if not r.startswith(NOT_CRAWLED) and "(?P" not in r
                   and not r.startswith("^")})


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (90, 140, 60)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    prop = matrikkel_property(address="Fjordvegen 7")
    owner = verified_owner(prop, name="Olav Eier", email=OWNER_EMAIL, phone=OWNER_PHONE)
    buyer = BuyerFactory(name="Kari Kjøper", email=BUYER_EMAIL, phone=BUYER_PHONE)
    stranger = BuyerFactory(name="Sindre Fremmed", email="stranger@example.no")
    staff = BuyerFactory(is_staff=True, email="staff@example.no")
    from django.contrib.auth.models import Permission
    staff.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="offers"))

    owner_services.owner_facts_update(user=owner, property_id=prop.pk,
                                      values={"usable_area": 131, "features": ["sauna"], "description": HIDDEN_TEXT})
    owner_services.owner_description_hide(description=OwnerDescription.objects.get(property=prop),
                                          reason=HIDDEN_REASON, staff_user=staff)
    visible = photo_services.photo_add(user=owner, property_id=prop.pk, upload=SimpleUploadedFile("a.jpg", _jpeg()))
    hidden = photo_services.photo_add(user=owner, property_id=prop.pk, upload=SimpleUploadedFile("b.jpg", _jpeg()))
    photo_services.photo_hide(photo=hidden, moderator=staff, reason="Canary photo reason")
    offer_services.property_openness_set(property=prop, owner=owner, open=True, reserve=RESERVE)
    offer = offer_in_state(prop=prop, buyer=buyer, status=OfferStatus.ACCEPTED, amount=RESERVE + 100_000)
    offer_services.offer_contact_answer(offer=offer, user=owner, agree=True)
    offer_services.offer_contact_answer(offer=Offer.objects.get(pk=offer.pk), user=buyer, agree=True)
    return {"prop": prop, "owner": owner, "buyer": buyer, "stranger": stranger, "offer": offer,
            "visible": visible, "hidden": hidden, "claim": owner.ownership_claims.get()}


def _fill(route: str, w) -> str | None:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    values = {"pk": w["prop"].pk, "property_id": w["prop"].pk, "offer_id": w["offer"].pk, "key": w["hidden"].key,
              "size": "thumb", "claim_id": w["claim"].pk}
    path = route
    for name in names:
        if name in FILLED:
            value = values[name]
        elif name in OWN_ROWS:
            value = 1
        else:
            return None
        path = re.sub(r"<(?:\w+:)?" + name + ">", str(value), path, count=1)
    return "/" + path


def _state(w) -> dict:
    prop = Property.objects.get(pk=w["prop"].pk)
    offer = Offer.objects.get(pk=w["offer"].pk)
    return {
        "facts": (prop.usable_area, prop.features, json.dumps(prop.fact_sources, sort_keys=True)),
        "owner_facts": sorted(OwnerFact.objects.values_list("fact", "user_id")),
        "changes": FactChange.objects.count(),
        "description": list(OwnerDescription.objects.values_list("text", "hidden_reason")),
        "photos": sorted(Photo.objects.values_list("key", "position", "is_cover", "hidden_reason")),
        "openness": list(PropertyOpenness.objects.values_list("property_id", "reserve")),
        "open_since": prop.open_to_offers_since,
        "offer": (offer.status, offer.amount, offer.buyer_contact_consent_at, offer.owner_contact_consent_at,
                  offer.contacts_shared_at),
    }


def _canaries_for(viewer: str, w) -> list[str]:
    secrets = [str(RESERVE), f"{RESERVE:,}".replace(",", "\u00a0"), f"{RESERVE:,}", HIDDEN_TEXT, HIDDEN_REASON,
               w["hidden"].key, "meets your price", "meets_your_price"]
    if viewer != "buyer":  # both sides said yes: the buyer sees the owner's details (and their own)
        secrets += [OWNER_PHONE, OWNER_EMAIL, BUYER_PHONE, BUYER_EMAIL]
    return secrets


def _clients(w):
    stranger_session = APIClient()
    stranger_session.force_login(w["stranger"])
    _, secret = api_token_create(user=w["stranger"], name="sweep")
    stranger_token = APIClient()
    stranger_token.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    buyer = APIClient()
    buyer.force_login(w["buyer"])
    return {"stranger": stranger_session, "stranger-token": stranger_token, "anonymous": APIClient(),
            "buyer": buyer}


PAYLOADS = [{}, {"open_to_offers": "on", "reserve": "1", "share": True, "agree": "yes", "direction": "up",
                 "usable_area": "1", "description": "mine now", "keys": [], "amount": "1"}]


def test_no_one_else_sees_or_changes_an_owners_things_on_any_route(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    before = _state(world)
    unfilled, leaks, errors = [], [], []
    routes = _routes()
    assert len(routes) > 40, routes
    clients = _clients(world)
    for route in routes:
        path = _fill(route, world)
        if path is None:
            unfilled.append(route)
            continue
        for viewer, client in clients.items():
            canaries = _canaries_for(viewer.split("-")[0], world)
            # Unsafe requests go to the routes of the owner's objects (a route without an id acts on the
            # visitor's own account, e.g. deleting it); the buyer may legitimately act on the offer: reads only.
            requests = [("get", None)]
            if "<" in route and viewer != "buyer":
                requests += [(m, p) for m in ("post", "put", "patch", "delete") for p in PAYLOADS]
            for method, payload in requests:
                if method != "get" and not payload and method != "delete":
                    kwargs = {}
                else:
                    kwargs = {"data": payload, "format": "json"} if payload and path.startswith("/api/") else (
                        {"data": payload} if payload else {})
                response = getattr(client, method)(path, **kwargs)
                if response.status_code >= 500:
                    errors.append(f"{viewer} {method.upper()} {path}: {response.status_code}")
                body = b"".join(response.streaming_content) if response.streaming else response.content
                if path.startswith("/photos/file/") and response.status_code == 200:
                    leaks.append(f"{viewer} {method.upper()} {path}: the hidden photo was served")
                text = body.decode("utf-8", "replace")
                found = [c for c in canaries if c in text]
                if found:
                    leaks.append(f"{viewer} {method.upper()} {path} ({response.status_code}): {found}")
    assert not unfilled, f"routes with ids the sweep cannot fill (add them to FILLED or OWN_ROWS): {unfilled}"
    assert not errors, errors
    assert not leaks, leaks
    assert _state(world) == before, "someone other than the owner changed the owner's things"


def test_the_sweep_does_see_the_canaries_where_the_owner_may(world):
    """The check above can fail: the owner's own pages show the reserve, the hidden reason and the buyer's phone."""
    owner = APIClient()
    owner.force_login(world["owner"])
    prop, offer = world["prop"], world["offer"]
    texts = [owner.get(path).content.decode() for path in
             (f"/owners/{prop.pk}/", "/offers/owner/", f"/offers/{offer.pk}/", f"/photos/{prop.pk}/")]
    joined = " ".join(texts)
    assert HIDDEN_REASON in joined and BUYER_PHONE in joined and world["hidden"].key in joined
    assert str(RESERVE) in joined or f"{RESERVE:,}".replace(",", "\u00a0") in joined

"""One preferences parser: what a profile may store, checked for meaning on the page and in the API,
and the report of stored profiles that no longer parse."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from accounts.preferences import preferences_check

from .factories import UserFactory

pytestmark = pytest.mark.django_db
VALID = {"budget": {"min": 2_000_000, "max": 4_500_000}, "locations": ["Bergen", "Voss"], "property_type": "cabin",
         "amenities": ["sauna", "fireplace"]}


def test_a_stored_profile_and_an_f9_request_parse_alike():
    stored, stored_problems = preferences_check(VALID, stored_shape=True)
    request, request_problems = preferences_check(
        {"budget_range": [2_000_000, 4_500_000], "locations": ["bergen", "VOSS"], "property_type": " Cabin ",
         "amenities": ["SAUNA", "fireplace", "sauna"]})
    assert stored_problems == request_problems == []
    assert [(r.kind, r.code) for r in stored.locations] == [("municipality", "4601"), ("municipality", "4621")]
    assert stored.locations == request.locations
    assert (stored.budget_min, stored.budget_max, stored.property_type, stored.amenities) == \
        (request.budget_min, request.budget_max, request.property_type, request.amenities)
    assert stored.stored() == VALID


def test_every_bad_part_is_reported_and_the_valid_parts_are_kept():
    prefs, problems = preferences_check({"budget": {"min": 9, "max": 1}, "locations": ["Bergen"],
                                         "property_type": "house", "amenities": ["pool"]})
    assert [(p.part, p.code) for p in problems] == [
        ("budget", "budget_min_above_max"),
        ("property_type", "unknown_property_type"),
        ("amenities", "unknown_amenity"),
    ]
    assert "residential, cabin, commercial" in problems[1].message  # says how to fix it
    assert [r.name for r in prefs.locations] == ["Bergen"]
    assert (prefs.budget_min, prefs.budget_max, prefs.property_type, prefs.amenities) == (None, None, None, ())


def test_an_unknown_location_comes_with_suggestions():
    _prefs, problems = preferences_check({"locations": ["Bergn"]})
    assert problems[0].code == "unknown_location" and "Bergen" in problems[0].suggestions["Bergn"]
    assert "Did you mean Bergen" in problems[0].message


def test_the_stored_shape_has_only_its_four_keys():
    _prefs, problems = preferences_check({**VALID, "colour": "blue"}, stored_shape=True)
    assert [(p.part, p.code) for p in problems] == [("", "invalid_preferences")]


def test_the_profile_page_refuses_an_unknown_property_type_with_a_field_error(client):
    user = UserFactory(preferences=VALID)
    client.force_login(user)
    response = client.post("/accounts/profile/", {"name": "Kari", "language": "en", "locations": "Bergen",
                                                  "property_type": "house"})
    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["property_type"]] == ["unknown_property_type"]
    assert "Unknown property type. Use one of residential, cabin, commercial." in response.text
    user.refresh_from_db()
    assert user.preferences == VALID and user.name != "Kari"  # nothing stored


def test_the_profile_page_refuses_an_unknown_location_and_suggests_the_right_name(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/profile/", {"name": "Kari", "language": "en", "locations": "Bergn, Voss"})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["locations"]] == ["unknown_location"]
    assert "Unknown location: Bergn. Did you mean Bergen" in response.text


def test_the_api_refuses_an_unknown_property_type_with_a_field_error():
    user = UserFactory(preferences=VALID)
    client = APIClient()
    client.force_authenticate(user)
    response = client.patch("/api/v1/me", {"preferences": {"property_type": "house"}}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_property_type"
    assert body["extra"]["fields"]["preferences.property_type"][0]["code"] == "unknown_property_type"
    user.refresh_from_db()
    assert user.preferences == VALID


def test_a_saved_profile_is_stored_in_its_canonical_form():
    user = UserFactory()
    services.user_profile_update(user=user, preferences={"locations": [" Bergen ", "Bergen"], "property_type": "Cabin",
                                                         "amenities": ["Sauna"]})
    user.refresh_from_db()
    assert user.preferences == {"budget": {"min": None, "max": None}, "locations": ["Bergen"],
                                "property_type": "cabin", "amenities": ["sauna"]}


def test_check_preferences_lists_the_users_whose_stored_preferences_no_longer_parse():
    fine = UserFactory(preferences=VALID)
    stale = UserFactory()
    User.objects.filter(pk=stale.pk).update(preferences={**VALID, "property_type": "house"})  # stored before the rule
    out = StringIO()
    call_command("check_preferences", stdout=out)
    text = out.getvalue()
    assert f"user {stale.pk} ({stale.username}): property_type: unknown_property_type" in text
    assert f"user {fine.pk} " not in text
    assert "1 user(s)" in text
    with pytest.raises(CommandError):
        call_command("check_preferences", "--fail", stdout=StringIO())

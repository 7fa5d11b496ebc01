"""The one API kit: every error is JSON in one shape, every list pages one way, every body and input is bounded."""
from __future__ import annotations

import json
import time

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from accounts.saved import services as saved_services
from accounts.saved.models import SearchHistoryEntry
from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from epty.api.errors import api_exception_handler
from epty.api.parsers import MAX_JSON_DEPTH, json_depth
from properties.tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "code", "extra"} and body["code"] == code and body["message"]
    return body


# --- errors are JSON ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/properties/abc", "/api/v1/offers/x1", "/api/v1/properties/1/valuation/",
                                  "/api/v1/no-such-thing", "/api/v1/collections/%C2%B2"])
def test_a_path_that_names_no_operation_is_a_json_404(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_a_page_that_does_not_exist_is_still_an_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/offers", "/api/v1/collections", "/api/v1/me/tokens", "/api/v1/claims",
                                  "/api/v1/search-history", "/api/v1/saved-searches", "/api/v1/offers/received",
                                  "/api/v1/properties"])
def test_an_invalid_cursor_is_400_invalid_cursor_not_404(client, path):
    body = assert_error(client.get(path, {"cursor": "not-a-cursor"}), 400, "invalid_cursor")
    assert "cursor" in body["extra"]["fields"]


def test_an_oversized_json_body_is_a_json_413(client):
    body = json.dumps({"user_preferences": {}, "market_trends": {f"x{i}": 1 for i in range(20_000)}})
    assert len(body) > 64 * 1024
    assert_error(client.post("/api/v1/ai/recommend", body, content_type="application/json"), 413, "request_too_large")


def test_an_oversized_form_body_is_a_json_413(client):
    response = client.post("/api/v1/me/tokens", "name=" + "x" * 100_000,
                           content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "request_too_large")


def test_a_form_body_the_csrf_check_reads_past_djangos_limit_is_a_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(UserFactory())
    session.cookies["csrftoken"] = "a" * 32  # the CSRF check then reads the form body for its token
    response = session.post("/api/v1/me/tokens", "name=" + "x" * 5000,
                              content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "request_too_large")


@pytest.mark.parametrize("path", ["/api/v1/ai/recommend", "/api/v1/me/tokens", "/api/v1/offers", "/api/v1/claims",
                                  "/api/v1/collections", "/api/v1/saved-searches"])
def test_deeply_nested_json_is_400_not_a_recursion_crash(client, path):
    body = "[" * 30_000 + "]" * 30_000  # inside the 64 KB a body may have
    assert_error(client.post(path, body, content_type="application/json"), 400, "json_too_deep")
    deeper = "[" * 100_000 + "]" * 100_000
    assert client.post(path, deeper, content_type="application/json").status_code in {400, 413}


def test_json_depth_is_counted_outside_strings_only():
    assert json_depth('{"a": "[[[[[[[[", "b": [[1]]}', MAX_JSON_DEPTH) == 3
    assert json_depth('["\\"[[[[", {"c": []}]', MAX_JSON_DEPTH) == 3
    assert json_depth("[" * 50, MAX_JSON_DEPTH) == MAX_JSON_DEPTH + 1


def test_a_lone_surrogate_in_a_json_string_is_400_invalid_unicode(client):
    response = client.post("/api/v1/ai/recommend", '{"user_preferences": {"locations": ["\\ud800"]}}',
                           content_type="application/json")
    assert_error(response, 400, "invalid_unicode")
    paired = client.post("/api/v1/ai/recommend", '{"user_preferences": {"locations": ["\\ud83d\\ude00"]}}',
                         content_type="application/json")
    assert assert_error(paired, 400, "unknown_location")


def test_an_error_message_that_quotes_a_lone_surrogate_is_still_written():
    from django.core.exceptions import ValidationError

    response = api_exception_handler(ValidationError({"q": ValidationError("Unknown: \ud800.", code="unknown")}), {})
    assert response is not None
    written = JSONRenderer().render(response.data)
    assert json.loads(written)["extra"]["fields"]["q"][0]["message"] == "Unknown: \\ud800."


@pytest.mark.parametrize("body", ["NaN", '{"user_preferences": {}, "limit": Infinity}', "{", "\xff"])
def test_json_that_python_would_accept_but_json_does_not_is_400(client, body):
    response = client.post("/api/v1/ai/recommend", body.encode("latin-1"), content_type="application/json")
    assert_error(response, 400, "invalid_json")


# --- lists -------------------------------------------------------------------------------------------

def _list_operations(schema) -> list[str]:
    paths = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        ok = get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        ref = ok.get("$ref", "").rsplit("/", 1)[-1]
        properties = schema["components"]["schemas"].get(ref, ok).get("properties", {})
        if {"next", "results"} <= set(properties):
            paths.append(path)
    return paths


def test_every_list_in_the_schema_has_the_one_list_shape_and_takes_limit_and_cursor(schema):
    lists = _list_operations(schema)
    assert len(lists) == 11, lists
    for path in lists:
        names = {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}
        assert {"limit", "cursor"} <= names, path
    bare = [path for path, ops in schema["paths"].items() if "get" in ops
            and ops["get"]["responses"].get("200", {}).get("content", {}).get("application/json", {})
            .get("schema", {}).get("type") == "array"]
    assert bare == [], f"lists not in the one list shape: {bare}"


@pytest.mark.parametrize("limit", ["0", "101", "abc", "²", "9" * 5000, "-1", "1.5"])
def test_every_list_refuses_a_limit_outside_1_to_100_with_400(client, user, schema, limit):
    default = saved_services.collection_default_get(user=user)
    prop = PropertyFactory()
    for path in _list_operations(schema):
        path = path.replace("{collection_id}", str(default.pk)).replace("{id}", str(prop.pk))
        response = client.get(path, {"limit": limit})
        assert "limit" in assert_error(response, 400, "invalid_limit")["extra"]["fields"]


def _three_of_each(user) -> dict[str, int]:
    """Three items in each list (collections: the default one is a fourth)."""
    for i in range(3):
        api_token_create(user=user, name=f"token {i}")
        saved_services.collection_create(user=user, name=f"list {i}")
        saved_services.saved_search_create(user=user, name=f"search {i}", params={"municipality": "0301"},
                                           frequency="daily")
        SearchHistoryEntry.objects.create(user=user, params={"q": f"vei {i}"}, result_count=1,
                                          created_at=timezone.now())
        PropertyFactory()
    return {"/api/v1/me/tokens": 3, "/api/v1/collections": 4, "/api/v1/saved-searches": 3,
            "/api/v1/search-history": 3, "/api/v1/properties": 3}


def test_limit_pages_every_list_and_next_carries_on_to_the_rest(client, user):
    for path, total in _three_of_each(user).items():
        first = client.get(path, {"limit": "2"}).json()
        assert len(first["results"]) == 2 and first["next"], path
        rest = client.get(first["next"]).json()
        assert len(rest["results"]) == total - 2 and rest["next"] is None, path
        assert len(client.get(path).json()["results"]) == total, path  # default 25


def test_the_seeds_search_with_limit_50_is_answered(client):
    for _ in range(3):
        PropertyFactory()
    response = client.get("/api/v1/properties", {"municipality": "Oslo", "limit": "50"})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 3


# --- the schema ------------------------------------------------------------------------------------

def test_every_operation_documents_its_errors_in_the_one_error_shape(schema):
    error_ref = "#/components/schemas/Error"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "406" in codes, (method, path)
            if any(p["in"] == "query" for p in operation.get("parameters", [])) or "requestBody" in operation:
                assert "400" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert {"413", "415"} <= codes, (method, path)
            for code, response in operation["responses"].items():
                if code[0] in "45":
                    assert response["content"]["application/json"]["schema"] == {"$ref": error_ref}, (method, path)


def _unbounded(schema_part, components, path="") -> list[str]:
    if "$ref" in schema_part:
        return _unbounded(components[schema_part["$ref"].rsplit("/", 1)[-1]], components, path)
    found = []
    kind = schema_part.get("type")
    if kind == "array":
        if "maxItems" not in schema_part:
            found.append(path)
        found += _unbounded(schema_part.get("items", {}), components, f"{path}[]")
    elif kind == "object" and isinstance(schema_part.get("additionalProperties"), dict):
        if "maxProperties" not in schema_part:
            found.append(path)
        found += _unbounded(schema_part["additionalProperties"], components, f"{path}{{}}")
    elif kind == "string" and "maxLength" not in schema_part and "enum" not in schema_part \
            and schema_part.get("format") != "binary":
        found.append(path)
    for name, part in schema_part.get("properties", {}).items():
        found += _unbounded(part, components, f"{path}.{name}")
    return found


def test_every_list_mapping_and_string_an_operation_reads_is_bounded(schema):
    components = schema["components"]["schemas"]
    unbounded = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += [f"{method} {path} {where}" for where in _unbounded(media["schema"], components)]
    assert unbounded == []


def test_every_api_url_has_a_namespaced_name():
    resolver = get_resolver()
    api = next(p for p in resolver.url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/")

    def names(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                yield namespace, pattern.name

    found = list(names(api.url_patterns, None))
    assert len(found) > 20 and all(namespace and name for namespace, name in found), found


# --- work a request can cause --------------------------------------------------------------------------

def test_thousands_of_unknown_market_trend_regions_are_refused_before_any_is_matched(client):
    body = {"user_preferences": {}, "market_trends": {f"Stad{i}": 1.0 for i in range(3000)}}
    started = time.monotonic()
    response = client.post("/api/v1/ai/recommend", body, format="json")
    elapsed = time.monotonic() - started
    assert_error(response, 400, "too_many_market_trends")
    assert elapsed < 1.0


def test_the_api_docs_say_how_lists_differ_from_the_seeds_sketch(schema):
    description = schema["info"]["description"]
    assert '"results"' in description and '"next"' in description and '"data"' in description
    assert "limit" in description and "matrikkelen_123456789" in description


# --- repeated parameters -------------------------------------------------------------------------------

@pytest.mark.parametrize("path, params", [
    ("/api/v1/market/trends", "region=Oslo&region=Bergen"),
    ("/api/v1/offers", "property=1&property=2"),
    ("/api/v1/collections", "limit=2&limit=50"),
    ("/api/v1/addresses/suggest", "q=Storgata+1&q=Karl+Johans+gate+1"),
])
def test_a_parameter_given_twice_where_one_is_taken_is_400_not_the_last_value(client, path, params):
    body = assert_error(client.get(f"{path}?{params}"), 400, "repeated_parameter")
    assert body["extra"]["parameters"] == [params.split("=")[0]]


def test_repeated_features_in_the_api_search_are_all_honoured(client):
    from properties.tests.factories import make_catalogue

    catalogue = make_catalogue(60, seed=6)
    response = client.get("/api/v1/properties?features=sauna&features=garage&limit=100")
    assert response.status_code == 200, response.content
    expected = {p.id for p in catalogue if {"sauna", "garage"} <= set(p.features)}
    assert {p["id"] for p in response.json()["results"]} == expected and expected


def test_repeated_statuses_in_the_offer_lists_are_all_honoured(client):
    response = client.get("/api/v1/offers?status=pending&status=approved")
    assert response.status_code == 200 and response.json() == {"next": None, "results": []}


def test_an_unexpected_crash_under_the_api_is_a_json_500_and_a_page_crash_is_html(monkeypatch):
    from django.test import Client

    from properties import views as page_views
    from properties.api import views as api_views

    def crash(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api_views, "search_run", crash)
    monkeypatch.setattr(page_views, "search_run", crash)
    client = Client(raise_request_exception=False)
    assert_error(client.get("/api/v1/properties"), 500, "server_error")
    page = client.get("/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("module", ["epty.api.errors", "epty.api.parsers", "epty.api.schema", "epty.api.pagination"])
def test_each_kit_module_can_be_the_first_one_imported(module):
    """DRF's settings load the parsers and the schema class while rest_framework.views is still being imported."""
    import os
    import subprocess
    import sys

    code = (f"import django; django.setup(); import {module}; "
            "from rest_framework.views import APIView; APIView.parser_classes; APIView().schema")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "epty.settings.test"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]

"""Schemathesis against the live test server: every operation, as an anonymous client, with an API token and
with a logged-in session, with valid and with invalid input. Any 5xx, any undocumented status code, content
type or header, and any response that does not match its schema fails the test (the failures are listed).

Bounded: a fixed number of examples per operation, derandomized, so the run takes about a minute and finds
the same thing twice.
"""
from __future__ import annotations

from collections import defaultdict

import pytest
import requests
import schemathesis
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from accounts.saved.services import collection_default_get
from accounts.services import api_token_create
from accounts.tests.conftest import fake_op, test_keys  # noqa: F401 - fixtures, used by name
from accounts.tests.factories import UserFactory
from properties.matrikkelen.lookups import address_reader
from properties.tests.factories import PropertyFactory

EXAMPLES = 3  # per operation and mode (valid, invalid input), each sent three ways: about 800 requests, a minute
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Known non-conformances, each with its reason: (method, path) → why the check cannot hold.
KNOWN: dict[tuple[str, str], str] = {}


def _session(live_server, mode: str, user) -> tuple[requests.Session, dict[str, str]]:
    session = requests.Session()
    session.trust_env = False
    if mode == "token":
        _, plain = api_token_create(user=user, name="fuzz")
        return session, {"Authorization": f"Bearer {plain}"}
    if mode == "session":
        client = Client()
        client.force_login(user)
        csrf = _get_new_csrf_string()
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        session.cookies.set("csrftoken", csrf)
        return session, {"X-CSRFToken": csrf, "Referer": live_server.url + "/"}
    return session, {}


def _fuzz(operation, generation, clients, failures: set[str]) -> int:
    """Up to EXAMPLES cases of one operation, each sent by every client; failures are added to ``failures``."""
    calls = 0

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=generation))
    def run(case):
        nonlocal calls
        for mode, send in clients.items():
            calls += 1
            response = send(case)
            try:
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as exc:
                found = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
                for failure in found:
                    failures.add(f"{mode} {response.status_code} {getattr(failure, 'title', '')}: "
                                 f"{str(failure).strip()[:300]}")

    run()
    return calls


@pytest.mark.slow
@pytest.mark.usefixtures("fake_op")
def test_every_operation_answers_within_its_schema_under_fuzzing(live_server, transactional_db):
    """Upstreams answer (the BankID provider and Matrikkelen's stand-in on loopback), so a 5xx is epty's own.

    Each generated request is sent three times: anonymously, with an API token and in a logged-in session.
    """
    address_reader().addresses_search(text="Storgata 1", limit=8)  # the stand-in builds its index once, ~10 s
    user = UserFactory()
    collection_default_get(user=user)
    for _ in range(3):
        PropertyFactory()
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))

    def client(mode):
        session, headers = _session(live_server, mode, user)

        def send(case):
            return case.call(base_url=live_server.url, session=session, headers={**headers, **(case.headers or {})},
                             allow_redirects=False, timeout=30)
        return send

    clients = {mode: client(mode) for mode in ("anonymous", "token", "session")}
    me = schema["/api/v1/me"]["GET"]
    assert [clients[mode](me.Case()).status_code for mode in clients] == [401, 200, 200]
    failures: dict[tuple[str, str], set[str]] = defaultdict(set)
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in KNOWN:
            continue
        for generation in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            calls += _fuzz(operation, generation, clients, failures[key])

    assert calls > 500
    found = {key: problems for key, problems in failures.items() if problems}
    assert not found, "\n".join(f"{m} {p}: {sorted(f)}" for (m, p), f in sorted(found.items()))

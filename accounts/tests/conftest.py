"""Fixtures for the login tests: a loopback OpenID provider with a test key set, and helpers."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from .fake_op import CLIENT_ID, CLIENT_SECRET, FakeOP, rsa_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def test_keys():
    """The provider's key set (k1, k2) and a key nobody publishes."""
    return {"k1": rsa_key(), "k2": rsa_key(), "attacker": rsa_key()}


@pytest.fixture
def fake_op(test_keys, settings):
    with FakeOP({"k1": test_keys["k1"]}) as op:
        settings.BANKID_ISSUER = op.issuer
        settings.BANKID_CLIENT_ID = CLIENT_ID
        settings.BANKID_CLIENT_SECRET = CLIENT_SECRET
        settings.BANKID_ACR_VALUES = "urn:bankid:bid;LOA=4"
        settings.BANKID_USE_USERINFO = False
        yield op


def start_login(client, **params) -> dict:
    """Start a login as a browser would; return the authorization request's parameters."""
    response = client.get("/api/v1/auth/bankid", params)
    assert response.status_code == 302, response.content
    query = parse_qs(urlsplit(response["Location"]).query)
    return {key: values[0] for key, values in query.items()}


def callback(client, *, code: str, state: str):
    return client.get("/accounts/bankid/callback/", {"code": code, "state": state}, HTTP_ACCEPT_LANGUAGE="en")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PERSON = {"bankid_altsub": "9578-5999-4-1765512", "name": "Ingrid Solberg", "given_name": "Ingrid",
          "family_name": "Solberg", "birthdate": "1972-05-09"}


@pytest.fixture
def oidc_provider(live_server, settings):
    """panva's oidc-provider (npm, OpenID Certified) on a free loopback port, configured like BankID."""
    node = shutil.which("node")
    script = ROOT / "e2e" / "bankid_provider.mjs"
    if not node or not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.fail("node and the npm package oidc-provider are needed (npm ci)")
    port = free_port()
    config = {"port": port, "client_id": "epty-e2e", "client_secret": "e2e-client-secret-0123456789abcdef",
              "redirect_uri": f"{live_server.url}/accounts/bankid/callback/",
              "post_logout_redirect_uri": f"{live_server.url}/", "person": PERSON}
    process = subprocess.Popen([node, str(script), json.dumps(config)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env={**os.environ, "NODE_ENV": "test"})
    try:
        line = process.stdout.readline()
        if not line.startswith("READY "):
            pytest.fail(f"oidc-provider did not start: {line!r}")
        issuer = line.split()[1]
        settings.BANKID_ISSUER = issuer
        settings.BANKID_CLIENT_ID = config["client_id"]
        settings.BANKID_CLIENT_SECRET = config["client_secret"]
        settings.BANKID_ACR_VALUES = "urn:bankid:bid;LOA=4"
        yield {"issuer": issuer, "person": PERSON}
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def login_browser(request):
    """A chromium of this module's own, so that DJANGO_ALLOW_ASYNC_UNSAFE (which Playwright's sync API
    needs) is set only while it runs and never leaks into later tests' subprocesses (check --deploy).
    Falls back to the shared session browser when one is already running in this process."""
    from playwright.sync_api import Error, sync_playwright

    from conftest import CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    had_flag = "DJANGO_ALLOW_ASYNC_UNSAFE" in os.environ
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        manager = sync_playwright()
        playwright = manager.start()
    except Error:
        yield request.getfixturevalue("browser")
        return
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()
    finally:
        manager.__exit__(None, None, None)
        if not had_flag:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def open_page(login_browser, live_server):
    """A browser page that may reach the test server and loopback providers, nothing else."""
    context = login_browser.new_context(locale="en-GB")
    page = context.new_page()
    allowed = (live_server.url, "http://127.0.0.1:")
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort())
    yield page
    context.close()

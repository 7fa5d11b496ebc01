"""Under the production settings every cookie the site sets is Secure: session, CSRF, language (from
Django's language switch and from the profile), whatever sets it."""
from __future__ import annotations

import importlib
import sys
from http.cookies import SimpleCookie

import pytest
from django.conf import global_settings
from django.test import Client, override_settings

from accounts.tests.factories import UserFactory


@pytest.fixture
def production(monkeypatch):
    """The production settings module, loaded on its own (this process keeps the test settings)."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", "k" * 20 + "-production-test-key-0123456789-abcdefghij")
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "epty.no")
    sys.modules.pop("epty.settings.production", None)
    try:
        yield importlib.import_module("epty.settings.production")
    finally:
        sys.modules.pop("epty.settings.production", None)


def cookie_settings(module) -> dict:
    """Every cookie attribute setting Django has (SESSION_, CSRF_, LANGUAGE_COOKIE_…), as production sets it."""
    names = [name for name in dir(global_settings) if "COOKIE" in name and name.isupper()]
    return {name: getattr(module, name, getattr(global_settings, name)) for name in names}


def test_production_marks_every_kind_of_cookie_secure(production):
    flags = {name: value for name, value in cookie_settings(production).items() if name.endswith("COOKIE_SECURE")}
    assert flags == {"SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "LANGUAGE_COOKIE_SECURE": True}


@pytest.mark.django_db
def test_every_cookie_a_response_sets_under_production_settings_is_secure(production):
    staff = UserFactory(is_staff=True, is_superuser=True, username="admin-user")
    staff.set_password("a long enough test password")
    staff.save()
    seen: dict[str, list[str]] = {}

    def collect(response) -> None:
        jar: SimpleCookie = response.cookies
        for name, morsel in jar.items():
            seen.setdefault(name, []).append(morsel.OutputString())

    with override_settings(**cookie_settings(production)):
        browser = Client(HTTP_HOST="testserver", secure=True)
        collect(browser.get("/accounts/login/"))                               # CSRF (the language form)
        collect(browser.post("/i18n/setlang/", {"language": "en", "next": "/"}))  # Django's language switch
        collect(browser.get("/admin/login/"))
        collect(browser.post("/admin/login/", {"username": "admin-user", "password": "a long enough test password",
                                               "next": "/admin/"}))             # a session
        collect(browser.post("/accounts/profile/", {"name": "Kari", "language": "nb"}))  # the profile's language
        collect(browser.post("/accounts/logout/"))
    # A deletion (logout) is sent by Django without attributes; it carries nothing.
    seen = {name: [h for h in headers if not (h.startswith(f'{name}="";') and "Max-Age=0" in h)]
            for name, headers in seen.items()}
    assert {"csrftoken", "sessionid", "django_language"} <= {name for name, headers in seen.items() if headers}, seen
    for headers in seen.values():
        for header in headers:
            attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
            assert "secure" in attributes, header
            assert "samesite" in attributes, header
    assert len(seen["django_language"]) == 2  # the language switch and the profile both set it
    assert all("httponly" in header.lower() for header in seen["sessionid"] + seen["django_language"])

"""End to end in a real browser: BankID login through an independent certified provider
(npm oidc-provider on loopback, configured like BankID) and through the local stand-in."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

User = get_user_model()


def _logged_in_user_id(page, live_server):
    from django.contrib.sessions.models import Session

    cookies = {c["name"]: c["value"] for c in page.context.cookies(live_server.url)}
    session = Session.objects.filter(session_key=cookies.get("sessionid")).first()
    return session.get_decoded().get("_auth_user_id") if session else None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_and_logout_through_an_independent_openid_provider(open_page, live_server, oidc_provider):
    page = open_page
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/profile/tokens/")
    page.click("#bankid-login")
    page.wait_for_url(f"{oidc_provider['issuer']}/interaction/**")  # the provider's own login page
    assert "BankID test login" in page.content()
    page.click("#op-login")
    page.wait_for_url(f"{live_server.url}/accounts/profile/tokens/")
    assert page.locator("#nav-profile").inner_text() == "Ingrid Solberg"
    user = User.objects.get()
    assert user.bankid_altsub == oidc_provider["person"]["bankid_altsub"]
    assert str(user.birth_date) == "1972-05-09"
    assert _logged_in_user_id(page, live_server) == str(user.pk)

    page.click("#account-menu-toggle")  # on a desktop, logging out is under "My account"
    page.click("#nav-logout")
    page.wait_for_url(f"{oidc_provider['issuer']}/session/end**")  # RP-initiated logout at the provider
    page.click("button[value=yes]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("#nav-login").is_visible()
    assert _logged_in_user_id(page, live_server) is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_and_logout_through_the_local_stand_in(open_page, live_server, settings):
    settings.DEBUG = True
    settings.BANKID_ISSUER = ""
    page = open_page
    page.goto(f"{live_server.url}/accounts/login/")
    assert "local BankID stand-in" in page.content()
    page.click("#bankid-login")
    page.wait_for_url(f"{live_server.url}/dev/bankid/authorize?**")
    page.check("input[value='9578-6000-4-100002']")
    page.click("#standin-login")
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    assert page.locator("#nav-profile").inner_text() == "Ola Nordmann"
    assert page.locator("#profile-name").inner_text() == "Ola Nordmann"
    user = User.objects.get()
    assert user.bankid_altsub == "9578-6000-4-100002" and not user.has_nnin

    page.click("#account-menu-toggle")  # on a desktop, logging out is under "My account"
    page.click("#nav-logout")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("#nav-login").is_visible()
    assert _logged_in_user_id(page, live_server) is None

"""End to end in chromium: a buyer logs in with BankID (the local stand-in) and sends an anonymous
offer; a moderator approves it in the admin; the owner (anonymous buyer shown as "verified buyer")
accepts it; the buyer sees it accepted."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, Offer, OwnershipClaim

from .factories import PropertyFactory

BUYER_ALTSUB = "9578-6000-4-100002"   # Ola Nordmann in the stand-in
OWNER_ALTSUB = "9578-6000-4-100003"   # Aisha Berg


def new_page(browser, live_server):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    return page


# Resolves once the image has loaded (or failed): a check made right after navigation must not race the download.
_IMAGE_SETTLED = """img => img.complete ? img.naturalWidth > 0 : new Promise(done => {
    img.addEventListener("load", () => done(img.naturalWidth > 0), {once: true});
    img.addEventListener("error", () => done(false), {once: true});
})"""


def image_loaded(locator) -> bool:
    """Whether the <img> at `locator` loads and shows a picture, waiting for it to finish."""
    return bool(locator.evaluate(_IMAGE_SETTLED))


def bankid_login(page, live_server, altsub: str, next_path: str):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.click("#bankid-login")
    page.wait_for_url(f"{live_server.url}/dev/bankid/authorize?**")
    page.check(f"input[value='{altsub}']")
    page.click("#standin-login")
    page.wait_for_url(f"{live_server.url}{next_path}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_anonymous_offer_from_submit_through_moderation_to_acceptance(browser, live_server, settings):
    settings.DEBUG = True
    settings.BANKID_ISSUER = ""
    prop = PropertyFactory(address="Fjordvegen 7")
    owner = UserFactory(bankid_altsub=OWNER_ALTSUB, name="Aisha Berg")
    OwnershipClaim.objects.create(property=prop, user=owner, statement="Mine", status=ClaimStatus.VERIFIED)
    moderator = UserFactory(username="mona", is_staff=True)
    moderator.set_password("a long moderator password 42")
    moderator.save()
    moderator.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="offers"))

    # The buyer logs in with BankID (high level of assurance) and sends an anonymous offer.
    buyer_page = new_page(browser, live_server)
    bankid_login(buyer_page, live_server, BUYER_ALTSUB, f"/properties/{prop.pk}/")
    assert "non-binding" in buyer_page.locator("#offer-box").inner_text()
    buyer_page.click("#offer-box-make")
    buyer_page.fill("#id_offer_amount", "7500000")
    assert buyer_page.locator("#id_is_anonymous").is_checked()
    buyer_page.click("#offer-submit")
    buyer_page.wait_for_selector("#offer-status[data-status=pending]")
    offer = Offer.objects.get()
    assert offer.buyer.bankid_altsub == BUYER_ALTSUB and offer.is_anonymous

    # A moderator approves it from the queue in the admin.
    mod_page = new_page(browser, live_server)
    mod_page.goto(f"{live_server.url}/admin/login/?next=/admin/offers/pendingoffer/")
    mod_page.fill("#id_username", "mona")
    mod_page.fill("#id_password", "a long moderator password 42")
    mod_page.click("input[type=submit]")
    mod_page.wait_for_url(f"{live_server.url}/admin/offers/pendingoffer/")
    mod_page.check(f"input[name=_selected_action][value='{offer.pk}']")
    mod_page.select_option("select[name=action]", "approve_selected")
    mod_page.click("button[name=index]")
    mod_page.wait_for_selector("text=Approved: 1.")

    # The owner sees a "verified buyer" and accepts.
    owner_page = new_page(browser, live_server)
    bankid_login(owner_page, live_server, OWNER_ALTSUB, "/offers/received/")
    row = owner_page.locator(f"tr[data-offer='{offer.pk}']")
    assert row.locator(".buyer").inner_text() == "verified buyer"
    assert "Ola" not in owner_page.content() and "Nordmann" not in owner_page.content()
    row.locator("a").click()
    dialogs = []
    owner_page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    owner_page.click("#offer-accept")
    owner_page.wait_for_selector("#offer-status[data-status=accepted]")
    assert dialogs and dialogs[0].startswith("Accept this offer?")  # asked once more before accepting
    assert "Nordmann" not in owner_page.content()

    # The buyer sees it accepted.
    buyer_page.goto(f"{live_server.url}/offers/")
    assert buyer_page.locator(f"tr[data-offer='{offer.pk}'] .status").get_attribute("data-status") == "accepted"
    for page in (buyer_page, mod_page, owner_page):
        page.context.close()

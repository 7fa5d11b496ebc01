"""Journeys in chromium for the three people epty serves: a buyer, an owner and a moderator, in Bokmål and
English, on a desktop and a 390×844 phone. Each step asserts what the person sees and saves a screenshot
under var/test-artefacts/journeys/ (git-ignored) for a human to look at."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from offers.models import Offer, OfferStatus
from properties.models import Property
from properties.tests.factories import make_catalogue

from .factories import HIGH_ACR, BuyerFactory, offer_in_state, verified_owner

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts" / "journeys"
DEVICES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SEES = {
    "nb": {"properties": "eiendommer", "sent": "Budet ditt er sendt", "favourites": "Favoritter",
           "pending": "Venter på moderering", "accepted": "Akseptert av eieren",
           "received": "Bud på eiendommer jeg eier"},
    "en": {"properties": "properties", "sent": "Your offer is sent", "favourites": "Favourites",
           "pending": "Waiting for moderation", "accepted": "Accepted by the owner",
           "received": "Offers on properties I own"},
}
COMBINATIONS = [("nb", "desktop"), ("nb", "phone"), ("en", "desktop"), ("en", "phone")]


class Journey:
    def __init__(self, browser, live_server, name: str, language: str, device: str, user=None):
        self.server, self.phone, self.step = live_server.url, device == "phone", 0
        self.prefix = f"{name}-{language}-{device}"
        self.context = browser.new_context(locale="nb-NO" if language == "nb" else "en-GB",
                                           viewport=DEVICES[device], is_mobile=self.phone, has_touch=self.phone)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.session
            session["bankid_acr"] = HIGH_ACR  # as after a BankID login (the login itself has its own tests)
            session.save()
            self.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                       "url": self.server}])
        self.page = self.context.new_page()
        self.page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(self.server)
                        else route.abort())
        self.page.on("dialog", lambda dialog: dialog.accept())  # "are you sure?": yes
        ARTEFACTS.mkdir(parents=True, exist_ok=True)

    def goto(self, path: str):
        self.page.goto(self.server + path)

    def shot(self, what: str):
        self.step += 1
        self.page.screenshot(path=str(ARTEFACTS / f"{self.prefix}-{self.step:02d}-{what}.png"), full_page=False)

    def menu(self, link_id: str):
        """Follow a header link as a person would: on a phone, open the menu first; on a desktop, the account's
        links (favourites, saved searches, …) are under "My account"."""
        if self.phone:
            assert not self.page.locator(f"#{link_id}").is_visible()  # tucked away behind "Menu"
            self.page.click("#menu-toggle")
        elif self.page.locator(f"#account-menu-list #{link_id}").count():
            assert not self.page.locator(f"#{link_id}").is_visible()
            self.page.click("#account-menu-toggle")
        self.page.click(f"#{link_id}")
        self.page.wait_for_load_state()

    def no_sideways_scroll(self):
        assert self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    def close(self):
        self.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "device"), COMBINATIONS)
def test_a_buyer_searches_hearts_finds_it_again_and_makes_an_offer(browser, live_server, language, device):
    make_catalogue(80, seed=12)
    buyer = BuyerFactory()
    sees = SEES[language]
    j = Journey(browser, live_server, "buyer", language, device, user=buyer)
    j.goto("/")
    count = j.page.locator("#result-count")
    assert sees["properties"] in count.inner_text() and int(count.get_attribute("data-count")) > 0
    j.page.wait_for_selector("#map[data-total]")
    j.no_sideways_scroll()
    j.shot("search")

    first = j.page.locator("#result-list .result").first
    title = first.locator("a.title").inner_text()
    first.locator("button.heart").click()
    j.page.wait_for_selector("#result-list .result >> nth=0 >> button.heart[aria-pressed=true]")
    j.shot("hearted")

    j.menu("nav-favourites")  # two clicks from any page: "Menu" on a phone, "My account" on a desktop
    assert sees["favourites"] in j.page.locator("h1").inner_text()
    assert title in j.page.locator("main").inner_text()
    j.shot("favourites")

    j.page.click(f"text={title}")
    j.page.wait_for_selector("#offer-box")
    j.no_sideways_scroll()
    j.shot("property")
    j.page.click("#offer-box-make")
    j.page.fill("#id_offer_amount", "4500000")
    j.shot("offer-form")
    j.page.click("#offer-submit")
    j.page.wait_for_selector("#offer-status[data-status=pending]")
    assert sees["sent"] in j.page.locator("#messages").inner_text()  # the message on the page she lands on
    assert sees["pending"] in j.page.locator("#offer-status").inner_text()
    j.shot("offer-sent")

    j.menu("nav-offers")
    assert j.page.locator("tr.offer-row").count() == 1
    j.shot("my-offers")
    j.close()
    assert Offer.objects.get().buyer == buyer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "device"), COMBINATIONS)
def test_an_owner_finds_offers_received_and_accepts_one(browser, live_server, language, device):
    prop = make_catalogue(3, seed=13)[0]
    owner = verified_owner(prop, name="Olav Eier")
    offer = offer_in_state(prop=prop, buyer=BuyerFactory(), status=OfferStatus.APPROVED, amount=6_250_000)
    sees = SEES[language]
    j = Journey(browser, live_server, "owner", language, device, user=owner)
    j.goto(f"/properties/{prop.pk}/")
    j.shot("property")
    j.menu("nav-received")
    assert sees["received"] in j.page.locator("h1").inner_text()
    row = j.page.locator(f"tr[data-offer='{offer.pk}']")
    assert "6" in row.inner_text() and "250" in row.inner_text()
    j.shot("received")
    row.locator("a").click()
    j.page.wait_for_selector("#offer-accept")
    j.no_sideways_scroll()
    j.shot("offer")
    j.page.click("#offer-accept")  # asks once more; the journey says yes
    j.page.wait_for_selector("#offer-status[data-status=accepted]")
    assert sees["accepted"] in j.page.locator("#offer-status").inner_text()
    assert j.page.locator("#messages").count() == 1
    j.shot("accepted")
    j.close()
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.ACCEPTED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "device"), [("nb", "desktop"), ("en", "phone")])
def test_a_moderator_approves_an_offer_from_its_page(browser, live_server, language, device):
    prop = make_catalogue(2, seed=14)[0]
    offer = offer_in_state(prop=prop, buyer=BuyerFactory(), status=OfferStatus.PENDING, amount=7_500_000)
    mona = BuyerFactory(username="mona", is_staff=True, language=language)
    mona.set_password("a long moderator password 42")
    mona.save()
    mona.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="offers"))
    j = Journey(browser, live_server, "moderator", language, device)
    j.goto("/admin/login/?next=/admin/offers/pendingoffer/")
    j.page.fill("#id_username", "mona")
    j.page.fill("#id_password", "a long moderator password 42")
    j.page.click("input[type=submit]")
    j.page.wait_for_url("**/admin/offers/pendingoffer/")
    listing = j.page.locator("#result_list").inner_text()
    assert "7\u00a0500\u00a0000 kr" in listing or "7,500,000 kr" in listing or "7 500 000 kr" in listing
    j.shot("queue")
    j.page.click(f"#result_list a[href$='/{offer.pk}/change/']")
    j.page.wait_for_selector("#offer-approve")
    j.shot("offer")
    j.page.click("#offer-approve")
    j.page.wait_for_selector(".messagelist .success")
    assert f"#{offer.pk}" in j.page.locator(".messagelist").inner_text()
    assert j.page.locator("#offer-approve").count() == 0
    j.shot("approved")
    j.close()
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.APPROVED
    assert Property.objects.filter(pk=prop.pk).exists()

"""End to end in chromium, the owners' loop: an owner adds facts and three photos and opens a property to
offers with a private reserve; a buyer finds it with the "open to offers" filter, sees the photos and the
owner's facts marked as such, and offers above the reserve, a second buyer below it; staff approve both in
the admin; the owner sees "meets your price" on the first only and accepts it; both sides agree to share
contact details and see each other's. The two buyers see exactly the same pages."""
from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Permission
from PIL import Image

from offers import services
from offers.models import ClaimStatus, Offer, OfferStatus, OwnershipClaim
from properties.tests.factories import make_catalogue

from .factories import BuyerFactory, PropertyFactory, offer_in_state, verified_owner
from .test_accessibility import logged_in_context, serious_violations
from .test_browser import image_loaded
from .test_journeys import Journey


def _same(text: str) -> str:
    """A page's text with what may differ between two buyers (ids, amounts, dates, times, names) blanked."""
    text = re.sub(r"(Kari Over|Per Under)", "<name>", text)
    return re.sub(r"\d[\d\u00a0 ,.:]*", "<n>", text)


def _photo_files(tmp_path) -> list[str]:
    """Three photos as a phone leaves them: one JPEG carrying a GPS position in its EXIF, a PNG, a WebP."""
    paths = []
    for name, kind, colour in (("garden.jpg", "JPEG", (40, 120, 60)), ("kitchen.png", "PNG", (200, 200, 190)),
                               ("living.webp", "WEBP", (150, 90, 60))):
        image = Image.new("RGB", (640, 480), colour)
        exif = Image.Exif()
        exif.get_ifd(0x8825)[2] = (59.0, 54.0, 41.0)  # GPSLatitude
        out = io.BytesIO()
        image.save(out, format=kind, **({"exif": exif} if kind == "JPEG" else {}))
        path = tmp_path / name
        path.write_bytes(out.getvalue())
        paths.append(str(path))
    return paths


def _offer_from(j: Journey, amount: str) -> str:
    """The buyer searches for owners open to offers, opens the one found, sees the owner's photos and facts
    marked as the owner's, and offers `amount`."""
    j.goto("/?sort=-estimate")
    j.page.check("#id_open_to_offers")
    j.page.click("#search-submit")
    j.page.wait_for_selector("#result-list")
    cards = j.page.locator("#result-list .result")
    assert cards.count() == 1 and cards.first.locator("[data-open-to-offers]").count() == 1
    cards.first.locator("a.title").click()
    j.page.wait_for_selector("#offer-box-make")
    assert j.page.locator("article.property > [data-open-to-offers]").count() == 1
    assert j.page.locator("#gallery-thumbs a").count() == 3
    assert image_loaded(j.page.locator("#gallery-main"))
    area = " ".join(j.page.locator("dd[data-fact=usable_area]").inner_text().split())
    assert area == "131 m² the owner · 112 m² in Matrikkelen"
    assert j.page.locator("dd[data-fact=features] [data-owner-tag]").inner_text() == "from the owner"
    j.page.click("#offer-box-make")
    j.page.fill("#id_offer_amount", amount)
    j.page.click("#offer-submit")
    j.page.wait_for_selector("#offer-status[data-status=pending]")
    return j.page.locator("main").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_opens_to_offers_buyer_meets_the_reserve_and_both_share_contacts(browser, live_server, settings,
                                                                                tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_catalogue(12, seed=21)
    prop = PropertyFactory(address="Fjordvegen 7", estimate=5_900_000, estimate_low=5_000_000,
                           estimate_high=7_000_000, usable_area=112, features=[], feature_mask=0,
                           source="matrikkelen", fact_sources={"usable_area": "matrikkel_api"})
    owner = verified_owner(prop, name="Olav Eier", email="olav@example.no", phone="+4722334455")
    above = BuyerFactory(name="Kari Over", email="kari@example.no", phone="+4791234567")
    below = BuyerFactory(name="Per Under", email="per@example.no")
    mona = BuyerFactory(username="mona", is_staff=True, language="en")
    mona.set_password("a long moderator password 42")
    mona.save()
    mona.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="offers"))

    # The owner opens the property to offers from the dashboard, with a reserve of 6 000 000.
    o = Journey(browser, live_server, "owners-loop-owner", "en", "desktop", user=owner)
    o.goto("/")
    o.menu("nav-owner")
    o.page.check(f"#id_open_to_offers_{prop.pk}")
    o.page.fill(f"#id_reserve_{prop.pk}", "6000000")
    o.page.click(f"#openness-save-{prop.pk}")
    o.page.wait_for_selector(f"#property-{prop.pk} [data-open-to-offers]")
    assert "is open to offers" in o.page.locator("#messages").inner_text()
    o.shot("opened")

    # From the dashboard, the owner corrects the usable area, adds a sauna and uploads three photos.
    o.page.click(f"#owner-facts-{prop.pk}")
    o.page.fill("#id_usable_area", "131")
    o.page.check("input[name=features][value=sauna]")
    o.page.click("#owner-submit")
    o.page.wait_for_selector("tr[data-fact=usable_area][data-by-owner=yes]")
    o.shot("facts")
    o.menu("nav-owner")
    o.page.click(f"#owner-photos-{prop.pk}")
    o.page.set_input_files("#photo-files", _photo_files(tmp_path))
    o.page.click("#photo-upload-submit")
    o.page.wait_for_selector("text=3 photos added.")
    assert o.page.locator("#photo-list li[data-photo]").count() == 3
    o.shot("photos")

    # Two buyers find it with the filter; one offers above the reserve, one below. Same responses.
    a = Journey(browser, live_server, "owners-loop-above", "en", "desktop", user=above)
    b = Journey(browser, live_server, "owners-loop-below", "en", "desktop", user=below)
    sent_above, sent_below = _offer_from(a, "6500000"), _offer_from(b, "5500000")
    assert _same(sent_above) == _same(sent_below)
    a.shot("sent")

    # Staff approve both from the moderation queue.
    m = Journey(browser, live_server, "owners-loop-staff", "en", "desktop")
    m.goto("/admin/login/?next=/admin/offers/pendingoffer/")
    m.page.fill("#id_username", "mona")
    m.page.fill("#id_password", "a long moderator password 42")
    m.page.click("input[type=submit]")
    m.page.wait_for_url("**/admin/offers/pendingoffer/")
    m.page.check("#action-toggle")
    m.page.select_option("select[name=action]", "approve_selected")
    m.page.click("button[name=index]")
    m.page.wait_for_selector("text=Approved: 2.")
    offer_above, offer_below = Offer.objects.get(buyer=above), Offer.objects.get(buyer=below)

    pages = []
    for j, offer in ((a, offer_above), (b, offer_below)):
        j.goto(f"/offers/{offer.pk}/")
        j.page.wait_for_selector("#offer-status[data-status=approved]")
        pages.append(_same(j.page.locator("main").inner_text()))
    assert pages[0] == pages[1] and "meets" not in pages[0].lower() and "reserve" not in pages[0].lower()

    # The owner sees "meets your price" on the offer above the reserve only, and accepts it.
    o.menu("nav-received")
    assert o.page.locator(f"tr[data-offer='{offer_above.pk}'] .meets-price").count() == 1
    assert o.page.locator(f"tr[data-offer='{offer_below.pk}'] .meets-price").count() == 0
    o.page.click(f"tr[data-offer='{offer_above.pk}'] a")
    o.page.wait_for_selector("#offer-meets-price")
    o.shot("meets-your-price")
    o.page.click("#offer-accept")
    o.page.wait_for_selector("#offer-status[data-status=accepted]")

    # Both agree to share contact details; nothing shows until both have.
    o.page.click("#contact-yes")
    o.page.wait_for_selector("#contact-revoke")
    assert o.page.locator("#contact-other").count() == 0
    a.goto(f"/offers/{offer_above.pk}/")
    assert "The other side agreed." in a.page.locator("#contact-status").inner_text()
    a.page.click("#contact-yes")
    a.page.wait_for_selector("#contact-other")
    seen_by_buyer = a.page.locator("#contact-other").inner_text()
    assert "Olav Eier" in seen_by_buyer and "olav@example.no" in seen_by_buyer and "+4722334455" in seen_by_buyer
    a.shot("contacts")
    o.page.reload()
    seen_by_owner = o.page.locator("#contact-other").inner_text()
    assert "Kari Over" in seen_by_owner and "kari@example.no" in seen_by_owner and "+4791234567" in seen_by_owner
    o.shot("contacts")

    # The second buyer's offer stays approved, and their page still looks as the first buyer's did.
    b.goto(f"/offers/{offer_below.pk}/")
    assert b.page.locator("#contact-sharing").count() == 0
    assert "meets" not in b.page.content().lower()
    for j in (o, a, b, m):
        j.close()
    assert Offer.objects.get(pk=offer_above.pk).status == OfferStatus.ACCEPTED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("locale", "viewport"), [
    ("nb-NO", {"width": 1280, "height": 900}),
    ("en-GB", {"width": 390, "height": 844}),
])
def test_the_dashboard_and_contact_sharing_have_no_serious_accessibility_violations(browser, live_server, locale,
                                                                                     viewport):
    props = make_catalogue(2, seed=22)
    owner = verified_owner(props[0])
    verified_owner(props[1], email="second@example.no")
    OwnershipClaim.objects.create(property=props[1], user=owner, statement="mine too", status=ClaimStatus.VERIFIED)
    services.property_openness_set(property=props[0], owner=owner, open=True, reserve=5_000_000)
    offer = offer_in_state(prop=props[0], buyer=BuyerFactory(), status=OfferStatus.ACCEPTED, amount=5_500_000)
    context = logged_in_context(browser, live_server, owner, locale=locale, viewport=viewport)
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    found = {}
    for path in ["/offers/owner/", f"/offers/{offer.pk}/", "/offers/received/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        found[path] = serious_violations(page)
    context.close()
    assert found == {path: [] for path in found}

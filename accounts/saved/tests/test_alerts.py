"""Saved-search alerts: what is new, one digest per user, frequencies, crashes at every step,
unsubscribe links, the outbox, the search-history purge, and a real SMTP server on loopback."""
from __future__ import annotations

import datetime as dt
import re
import socket
import time

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from accounts.saved import alerts, services
from accounts.saved.models import SavedSearch, SavedSearchHit, SearchHistoryEntry
from accounts.tests.factories import UserFactory
from epty.mail.delivery import outbox_send
from epty.mail.models import OutboxMessage
from properties import reference
from properties.models import Property
from properties.search.matcher import SearchMatcher
from properties.tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


class Crash(Exception):
    pass


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERTS_DIGEST_MAX_PROPERTIES = 20
    settings.ALERTS_ESTIMATE_THRESHOLD = 0.05
    settings.SITE_URL = "https://epty.test"


def user_with_email(**kwargs):
    user = UserFactory(**kwargs)
    user.email = f"{user.username}@example.no"
    user.language = "en"
    user.save()
    return user


def saved(user, name, params, frequency="instant", notified_ago=HOUR):
    search = services.saved_search_create(user=user, name=name, params=params, frequency=frequency)
    SavedSearch.objects.filter(pk=search.pk).update(last_notified=timezone.now() - notified_ago)
    search.refresh_from_db()
    return search


def aged(prop, ago=2 * HOUR):
    at = timezone.now() - ago
    Property.objects.filter(pk=prop.pk).update(created_at=at, updated_at=at, estimated_at=at)
    prop.refresh_from_db()
    return prop


def urls_in(message) -> list[str]:
    return re.findall(r"https://epty\.test/properties/(\d+)/", message.body)


def crash_at(step):
    def hook(name, info):
        if name == step:
            raise Crash(name)
    return hook


def test_one_digest_per_user_lists_a_property_once_even_if_several_searches_match():
    user = user_with_email()
    saved(user, "Oslo", {"municipality": "0301"})
    saved(user, "Boliger", {"category": "residential"})
    saved(user, "Dyre", {"estimate_min": "9000000"})
    old = aged(PropertyFactory())  # matched before the searches' watermark: not new
    both = PropertyFactory()
    cabin = PropertyFactory(category="cabin", municipality_number="0301")
    elsewhere = PropertyFactory(municipality_number="4601", municipality_name="Bergen", county_number="46")

    result = alerts.saved_search_alerts_run()

    assert result.digests == 1 and result.sent == 1
    [message] = mail.outbox
    assert message.to == [user.email]
    ids = [int(i) for i in urls_in(message)]
    assert sorted(ids) == sorted([both.pk, cabin.pk, elsewhere.pk]) and old.pk not in ids
    assert (
        message.body.count("Oslo") >= 1
        and "Boliger" in message.body
        and "Dyre" not in message.body.split("Your saved")[0]
    )
    html = message.alternatives[0][0]
    assert html.count(f"/properties/{both.pk}/") == 1
    assert re.search(rf'<a href="[^"]*/properties/{both.pk}/">', html)  # a link, not its markup shown as text
    assert "&lt;a href" not in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Nothing new: the next run sends nothing, and every search's watermark moved.
    assert alerts.saved_search_alerts_run().digests == 0
    assert len(mail.outbox) == 1


def test_frequencies_are_respected():
    cases = {
        "instant-recent": ("instant", dt.timedelta(minutes=1), True),
        "daily-not-due": ("daily", 2 * HOUR, False),
        "daily-due": ("daily", 25 * HOUR, True),
        "weekly-not-due": ("weekly", dt.timedelta(days=3), False),
        "weekly-due": ("weekly", dt.timedelta(days=8), True),
        "off": ("off", dt.timedelta(days=30), False),
    }
    users = {}
    for name, (frequency, ago, _) in cases.items():
        users[name] = user_with_email()
        saved(users[name], name, {"municipality": "0301"}, frequency=frequency, notified_ago=ago)
    PropertyFactory()
    before = dict(SavedSearch.objects.values_list("name", "last_notified"))

    alerts.saved_search_alerts_run()

    got = {m.to[0] for m in mail.outbox}
    after = dict(SavedSearch.objects.values_list("name", "last_notified"))
    for name, (_, _, due) in cases.items():
        assert (users[name].email in got) is due, name
        assert (after[name] != before[name]) is due, name


def test_estimate_moves_above_the_threshold_are_reported_again_and_small_ones_are_not():
    user = user_with_email()
    search = saved(user, "Oslo", {"municipality": "0301"})
    prop = PropertyFactory(estimate=5_000_000, estimate_low=4_000_000, estimate_high=6_000_000)
    alerts.saved_search_alerts_run()
    assert len(mail.outbox) == 1
    assert SavedSearchHit.objects.get(saved_search=search, property=prop).estimate == 5_000_000

    def reestimate(value, later):
        Property.objects.filter(pk=prop.pk).update(estimate=value, estimate_high=value * 2,
                                                   estimated_at=timezone.now() + later)
        return timezone.now() + later + dt.timedelta(seconds=1)

    run_at = reestimate(5_100_000, HOUR)  # +2 %: below the 5 % threshold
    alerts.saved_search_alerts_run(now=run_at)
    assert len(mail.outbox) == 1
    run_at = reestimate(5_600_000, 2 * HOUR)  # +12 % from what was shown
    alerts.saved_search_alerts_run(now=run_at)
    assert len(mail.outbox) == 2 and f"/properties/{prop.pk}/" in mail.outbox[1].body
    assert "Estimate changed (was 5,000,000 kr)" in mail.outbox[1].body  # from what this search showed


def test_a_property_whose_estimate_moves_into_the_price_range_is_new():
    user = user_with_email()
    saved(user, "Billig", {"estimate_max": "4000000"})
    prop = aged(PropertyFactory(estimate=5_000_000, estimate_low=4_000_000, estimate_high=6_000_000))
    Property.objects.filter(pk=prop.pk).update(estimate=3_900_000, estimate_low=3_000_000, estimated_at=timezone.now())
    assert Property.objects.get(pk=prop.pk).estimate_previous == 5_000_000  # kept by the database trigger
    alerts.saved_search_alerts_run()
    assert len(mail.outbox) == 1 and "New match" in mail.outbox[0].body


def test_the_digest_is_capped_with_a_link_to_the_rest(client, settings):
    settings.ALERTS_DIGEST_MAX_PROPERTIES = 2
    user = user_with_email()
    saved(user, "Oslo", {"municipality": "0301"})
    props = [PropertyFactory() for _ in range(3)]
    alerts.saved_search_alerts_run()
    [message] = mail.outbox
    assert len(urls_in(message)) == 2
    rest = re.search(r"https://epty\.test(/accounts/alerts/[0-9a-f-]+/)", message.body).group(1)
    client.force_login(user)
    page = client.get(rest).content.decode()
    assert all(f"/properties/{p.pk}/" in page for p in props)
    client.force_login(UserFactory())
    assert client.get(rest).status_code == 404


# --- crashes -------------------------------------------------------------------------------------------
def test_a_crash_before_the_commit_loses_nothing():
    user = user_with_email()
    search = saved(user, "Oslo", {"municipality": "0301"})
    watermark = search.last_notified
    prop = PropertyFactory()
    with pytest.raises(Crash):
        alerts.saved_search_alerts_run(hook=crash_at("collected"))
    assert not OutboxMessage.objects.exists() and not mail.outbox
    assert SavedSearch.objects.get(pk=search.pk).last_notified == watermark
    alerts.saved_search_alerts_run()
    assert [int(i) for i in urls_in(mail.outbox[0])] == [prop.pk] and len(mail.outbox) == 1


def test_a_crash_after_the_commit_loses_nothing_and_sends_the_stored_digest_once(settings):
    settings.ALERTS_COMMIT_BATCH_USERS = 1
    first, second = user_with_email(), user_with_email()
    saved(first, "A", {"municipality": "0301"})
    saved(second, "B", {"municipality": "0301"})
    prop = PropertyFactory()
    with pytest.raises(Crash):  # after the first user's batch committed, before the second's
        alerts.saved_search_alerts_run(hook=crash_at("committed"))
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1 and not mail.outbox
    alerts.saved_search_alerts_run()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])
    assert all(urls_in(m) == [str(prop.pk)] for m in mail.outbox)
    alerts.saved_search_alerts_run()
    assert len(mail.outbox) == 2


def test_a_crash_while_sending_before_the_server_accepts_sends_the_digest_once():
    user = user_with_email()
    saved(user, "Oslo", {"municipality": "0301"})
    PropertyFactory()
    with pytest.raises(Crash):
        alerts.saved_search_alerts_run(hook=crash_at("sending"))
    assert not mail.outbox and OutboxMessage.objects.get().sent_at is None
    alerts.saved_search_alerts_run()
    outbox_send()
    assert len(mail.outbox) == 1 and OutboxMessage.objects.get().sent_at is not None


def test_only_a_crash_between_acceptance_and_marking_sent_repeats_that_one_message():
    user = user_with_email()
    saved(user, "Oslo", {"municipality": "0301"})
    PropertyFactory()
    with pytest.raises(Crash):
        alerts.saved_search_alerts_run(hook=crash_at("accepted"))
    assert len(mail.outbox) == 1 and OutboxMessage.objects.get().sent_at is None
    alerts.saved_search_alerts_run()
    assert len(mail.outbox) == 2  # the named window: the same message again
    assert mail.outbox[0].body == mail.outbox[1].body
    alerts.saved_search_alerts_run()
    assert len(mail.outbox) == 2


def test_a_failing_mail_server_keeps_the_message_for_the_next_sender_run(monkeypatch):
    user = user_with_email()
    saved(user, "Oslo", {"municipality": "0301"})
    PropertyFactory()
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, msgs: (_ for _ in ()).throw(OSError("refused")))
    alerts.saved_search_alerts_run()
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.attempts == 1 and "refused" in message.last_error
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    assert outbox_send() == 1 and len(mail.outbox) == 1


def test_a_property_written_during_a_run_or_committed_late_is_reported_by_the_next_run():
    user = user_with_email()
    saved(user, "Oslo", {"municipality": "0301"})
    early = PropertyFactory()
    created = {}

    def hook(name, info):
        if name == "collected":  # written after the run read its candidates
            created["during"] = PropertyFactory()
    run_at = timezone.now()
    alerts.saved_search_alerts_run(now=run_at, hook=hook)
    assert urls_in(mail.outbox[0]) == [str(early.pk)]
    # A writer whose transaction began before the run but committed after it: its timestamp is before the watermark.
    late = PropertyFactory()
    Property.objects.filter(pk=late.pk).update(created_at=run_at - dt.timedelta(seconds=5),
                                               updated_at=run_at - dt.timedelta(seconds=5))
    alerts.saved_search_alerts_run()
    assert sorted(int(i) for i in urls_in(mail.outbox[1])) == sorted([created["during"].pk, late.pk])


def test_hits_recorded_by_another_writer_during_a_run_neither_fail_it_nor_duplicate(caplog):
    user = user_with_email()
    oslo = saved(user, "Oslo", {"municipality": "0301"})
    shown, fresh = PropertyFactory(), PropertyFactory()  # shown before at half its estimate: moved since
    SavedSearchHit.objects.create(saved_search=oslo, property=shown, estimate=shown.estimate // 2,
                                  notified_at=timezone.now() - 2 * HOUR)

    def hook(name, info):
        if name == "collected":  # the run believes `fresh` was never shown; someone records it now
            SavedSearchHit.objects.create(saved_search=oslo, property=fresh, estimate=1, notified_at=timezone.now())
    result = alerts.saved_search_alerts_run(hook=hook)
    assert result.digests == 1
    assert sorted(int(i) for i in urls_in(mail.outbox[0])) == sorted([shown.pk, fresh.pk])
    hits = dict(SavedSearchHit.objects.filter(saved_search=oslo).values_list("property_id", "estimate"))
    assert hits == {shown.pk: shown.estimate, fresh.pk: fresh.estimate}  # one hit each, with the estimate shown
    assert "written meanwhile by another writer" in caplog.text  # the copy failed and the upsert took over


# --- unsubscribe -----------------------------------------------------------------------------------------
def frequencies(*searches) -> list[str]:
    return [SavedSearch.objects.get(pk=s.pk).frequency for s in searches]


def test_unsubscribe_links_work_without_login_and_only_for_their_own_search(client):
    alice, bob = user_with_email(), user_with_email()
    a1, a2 = saved(alice, "A1", {"municipality": "0301"}), saved(alice, "A2", {"category": "cabin"})
    b1 = saved(bob, "B1", {"municipality": "0301"})
    PropertyFactory()
    alerts.saved_search_alerts_run()
    alice_mail = next(m for m in mail.outbox if m.to == [alice.email])
    links = re.findall(r"https://epty\.test(/accounts/alerts/unsubscribe/[^/\s]+/)", alice_mail.body)
    one = next(
        link for link in links if signing.loads(link.split("/")[-2], salt=services.UNSUBSCRIBE_SALT)["s"] == a1.pk
    )
    response = client.post(one)
    assert response.status_code == 200
    assert frequencies(a1, a2, b1) == ["off", "instant", "instant"]

    # Forged: a token for Bob's search without the key, or Alice's token edited, is refused.
    forged = signing.dumps({"u": bob.pk, "s": b1.pk}, salt=services.UNSUBSCRIBE_SALT, key="not-the-secret-key-" * 3)
    token = one.split("/")[-2]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, tampered, "garbage"):
        assert client.post(reverse("accounts:alerts-unsubscribe", args=[bad])).status_code == 400
        assert client.get(reverse("accounts:alerts-unsubscribe", args=[bad])).status_code == 400
    assert frequencies(b1) == ["instant"]
    # A valid token names its user: it cannot reach another user's search even if the ids were swapped.
    swapped = services.unsubscribe_token(user_id=alice.pk, saved_search_id=b1.pk)
    client.post(reverse("accounts:alerts-unsubscribe", args=[swapped]))
    assert frequencies(b1) == ["instant"]

    everything = re.search(r"Stop all alerts: https://epty\.test(\S+)", alice_mail.body).group(1)
    assert client.post(everything).status_code == 200
    assert set(SavedSearch.objects.filter(user=alice).values_list("frequency", flat=True)) == {"off"}
    assert frequencies(b1) == ["instant"]
    assert client.post(everything).status_code == 200  # idempotent


def test_following_an_unsubscribe_link_only_asks_and_changes_nothing(client):
    """Mail scanners follow links: a GET shows the question and a button, and turns nothing off."""
    alice = user_with_email()
    a1, a2 = saved(alice, "Oslo flats", {"municipality": "0301"}), saved(alice, "Cabins", {"category": "cabin"})
    one = reverse("accounts:alerts-unsubscribe", args=[services.unsubscribe_token(user_id=alice.pk,
                                                                                  saved_search_id=a1.pk)])
    every = reverse("accounts:alerts-unsubscribe", args=[services.unsubscribe_token(user_id=alice.pk,
                                                                                    saved_search_id=None)])
    for _ in range(3):
        response = client.get(one)
        assert response.status_code == 200
        assert "Stop alerts for “Oslo flats”?" in response.text
        assert f'<form method="post" action="{one}">' in response.text
        assert "Stop alerts for all your saved searches?" in client.get(every).text
        client.head(one)
    assert frequencies(a1, a2) == ["instant", "instant"]
    assert client.put(one).status_code == 405
    assert frequencies(a1, a2) == ["instant", "instant"]


def test_one_click_unsubscribe_post_needs_no_csrf_token(settings):
    """RFC 8058: the mail client posts List-Unsubscribe=One-Click to the List-Unsubscribe address, with no
    cookie and no CSRF token. The signed token in the address is the credential."""
    from django.test import Client

    settings.ALLOWED_HOSTS = ["epty.test"]
    user = user_with_email()
    search = saved(user, "Oslo", {"municipality": "0301"})
    PropertyFactory()
    alerts.saved_search_alerts_run()
    message = mail.outbox[0]
    target = re.fullmatch(r"<https://epty\.test(\S+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(target, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded", HTTP_HOST="epty.test", secure=True)
    assert response.status_code == 200
    assert frequencies(search) == ["off"]

    # Every other form still needs its token: the exemption is this view's alone.
    strict.force_login(user)
    assert strict.post(reverse("accounts:history-clear"), HTTP_HOST="epty.test", secure=True).status_code == 403


def test_forged_or_expired_one_click_tokens_are_refused():
    from django.test import Client

    user = user_with_email()
    search = saved(user, "Oslo", {"municipality": "0301"})
    strict = Client(enforce_csrf_checks=True)
    age = int((services.UNSUBSCRIBE_MAX_AGE + dt.timedelta(days=1)).total_seconds())

    class SignedLongAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - age)

    expired = SignedLongAgo(salt=services.UNSUBSCRIBE_SALT).sign_object({"u": user.pk, "s": search.pk}, compress=True)
    forged = signing.dumps({"u": user.pk, "s": search.pk}, salt=services.UNSUBSCRIBE_SALT, key="x" * 50)
    other_salt = signing.dumps({"u": user.pk, "s": search.pk}, salt="accounts.email-confirm")
    for token, code_text in ((expired, "has expired"), (forged, "not valid"), (other_salt, "not valid")):
        url = reverse("accounts:alerts-unsubscribe", args=[token])
        response = strict.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400 and code_text in response.text
        assert strict.get(url).status_code == 400
    assert frequencies(search) == ["instant"]


# --- the matcher agrees with the search --------------------------------------------------------------
def test_the_alert_matcher_selects_exactly_what_the_search_selects():
    from properties.search.selectors import properties_search
    from properties.tests.factories import make_catalogue

    make_catalogue(400, seed=7)
    rows = list(Property.objects.active().values(*alerts.candidate_fields()))
    candidates = alerts.Candidates(rows=rows)
    cases = [
        {}, {"municipality": "0301"}, {"municipality": "Oslo,Bergen"}, {"county": "46"}, {"category": "cabin"},
        {"category": "residential", "rooms_min": "3"}, {"estimate_min": "3000000", "estimate_max": "6000000"},
        {"area_min": "100", "area_max": "200"}, {"year_min": "1990", "year_max": "2000"}, {"bedrooms_min": "2"},
        {"features": "sauna"}, {"features": "sauna,view"}, {"building_type": "111,161"},
        {"bbox": "10.5,59.8,10.9,60.0"}, {"near": "59.91,10.75", "radius_km": "5"},
        {"near": "60.39,5.32", "radius_km": "100"}, {"bbox": "4.0,58.0,12.0,64.0", "category": "cabin"},
        {"q": "storgata"}, {"q": "kirkeveien 1"}, {"municipality": "5501", "estimate_max": "8000000", "area_min": "50"},
    ]
    for params in cases:
        expected = {p.id for p in properties_search(params=params, page_size=100_000).results}
        matcher = SearchMatcher(params)
        assert {r["id"] for r in rows if matcher(r)} == expected, params
        assert {r["id"] for r in candidates.for_matcher(matcher) if matcher(r)} == expected, (
            params
        )  # the index loses none
    # A nationwide search for features reads only the rows of its rarest feature, not every row.
    with_features = candidates.for_matcher(SearchMatcher({"features": "sauna,view"}))
    assert 0 < len(with_features) < len(rows)
    assert any(all(r["feature_mask"] & reference.FEATURE_BITS[name] for r in with_features)
               for name in ("sauna", "view"))


# --- search history purge ----------------------------------------------------------------------------------
def test_the_retention_purge_deletes_exactly_what_is_old_enough(settings):
    settings.SEARCH_HISTORY_RETENTION_DAYS = 30
    user = UserFactory()
    now = timezone.now()
    cutoff = now - dt.timedelta(days=30)
    ages = {"older": cutoff - dt.timedelta(seconds=1), "at": cutoff, "newer": cutoff + dt.timedelta(seconds=1),
            "today": now}
    for label, at in ages.items():
        SearchHistoryEntry.objects.create(user=user, params={"q": label}, result_count=1, created_at=at)
    assert services.search_history_purge(now=now) == 1
    assert sorted(e.params["q"] for e in SearchHistoryEntry.objects.all()) == ["at", "newer", "today"]


# --- a real SMTP server on loopback -------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_digest_goes_through_a_real_smtp_server_and_reads_back(settings, client):
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    port = _free_port()
    controller = Controller(Keep(message_class=None), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
        user = user_with_email()
        search = saved(user, "Oslo sentrum", {"municipality": "0301"})
        prop = PropertyFactory(address="Karl Johans gate 1")
        result = alerts.saved_search_alerts_run()
    finally:
        controller.stop()
    assert result.sent == 1 and len(received) == 1
    message = message_from_bytes(received[0].as_bytes(), policy=policy.default)
    assert message["To"] == user.email and "epty" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Karl Johans gate 1" in text and f"/properties/{prop.pk}/" in html
    unsubscribe = re.search(r"Stop alerts for this search: https://epty\.test(\S+)", text).group(1)
    assert client.get(unsubscribe).status_code == 200
    assert SavedSearch.objects.get(pk=search.pk).frequency == "instant"  # following the link only asks
    assert client.post(unsubscribe).status_code == 200
    assert SavedSearch.objects.get(pk=search.pk).frequency == "off"
    assert OutboxMessage.objects.get().sent_at is not None

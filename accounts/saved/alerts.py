"""Saved-search alerts: find what is new per user, commit one digest per user to the outbox, send.

What "new" means, for a saved search S whose watermark is W = S.last_notified (minus
ALERTS_WATERMARK_OVERLAP_SECONDS, so a write committed late is still seen; hits make the overlap
harmless). Only active properties that match S's filters *now* are considered, and only those that
changed after W: created or upstream facts changed (``updated_at > W``) or re-estimated
(``estimated_at > W``). Of those, P is reported for S when

* S has not shown P before (no SavedSearchHit) and
    - P was created or its upstream facts changed after W ("new": it came into S's results), or
    - only its estimate changed, and the previous estimate (``Property.estimate_previous``) was
      outside S's price range ("new": it moved into the range), or moved by more than the threshold
      ("estimate moved");
* S has shown P before, and its estimate moved by more than ALERTS_ESTIMATE_THRESHOLD from the one
  shown then ("estimate moved"). Other changes to a property S has already shown are not repeated.

Each saved search is evaluated as a filter over the changed properties only (loaded once per run),
with the same validated parameters the search uses: ``properties.search.matcher.SearchMatcher``,
derived from the same table of parameters as the search's SQL.

A run is three steps: collect (read only), commit (per batch of users, one transaction: the
digests in the outbox (epty.mail), the hits, and every due search's watermark advanced to the run's
start), send (each outbox message delivered, then marked sent: ``epty.mail.delivery.outbox_send``).
A crash before a batch's commit loses nothing (the next run finds the same properties: watermarks did
not move); after it, nothing (the sender delivers the stored digest). Only a crash between the mail
server accepting a message and it being marked sent repeats that one message.
"""
from __future__ import annotations

import bisect
import datetime as dt
import logging
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from epty.mail.delivery import outbox_send
from epty.mail.models import OutboxMessage
from epty.mail.services import absolute_url, mail_enqueue_many, recipient_language
from properties.geo import EARTH_RADIUS_KM
from properties.models import Property
from properties.search import params as search_params
from properties.search.matcher import SearchMatcher

from .models import AlertFrequency, SavedSearch, SavedSearchHit
from .services import unsubscribe_token

logger = logging.getLogger(__name__)

Hook = Callable[[str, dict], None]
LOCK_KEY = "accounts:alerts-run"
PERIODS = {AlertFrequency.INSTANT: dt.timedelta(0), AlertFrequency.DAILY: dt.timedelta(days=1),
           AlertFrequency.WEEKLY: dt.timedelta(days=7)}
# What a digest shows and the run itself reads of each changed property; the search's predicates
# add the columns they read (candidate_fields()).
CANDIDATE_FIELDS = (
    "id", "external_id", "address", "postcode", "town", "municipality_number", "municipality_name",
    "county_number", "category", "building_type_code", "usable_area", "rooms", "bedrooms", "year_built",
    "feature_mask", "lat", "lon", "search_text", "estimate", "estimate_previous",
    "created_at", "updated_at", "estimated_at",
)
NEW, MOVED = "new", "estimate_moved"
COPY_NULL = "\\N"  # a null in COPY's text format


def candidate_fields() -> tuple[str, ...]:
    """The columns loaded per changed property: the digest's and the run's, and every filter's."""
    return tuple(dict.fromkeys((*CANDIDATE_FIELDS, *search_params.predicate_columns())))


@dataclass
class Candidates:
    """The properties changed since the oldest due watermark, indexed for the usual location filters."""

    rows: list[dict]
    by_municipality: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    by_county: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    by_feature: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))  # by feature bit
    by_lon: list[dict] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)

    def __post_init__(self):
        for row in self.rows:
            self.by_municipality[row["municipality_number"]].append(row)
            self.by_county[row["county_number"]].append(row)
            mask = row["feature_mask"] or 0
            while mask:
                bit = mask & -mask
                self.by_feature[bit].append(row)
                mask ^= bit
        self.by_lon = sorted(self.rows, key=lambda r: r["lon"])
        self.lons = [r["lon"] for r in self.by_lon]

    def _lon_slice(self, low: float, high: float) -> list[dict]:
        return self.by_lon[bisect.bisect_left(self.lons, low):bisect.bisect_right(self.lons, high)]

    def for_matcher(self, matcher: SearchMatcher) -> Iterable[dict]:
        """A superset of the rows the matcher can accept (it still checks every condition): the
        rows of its municipalities or counties, or of the longitudes its box or circle spans."""
        values = matcher.values
        if values.get("municipality"):
            return [r for m in values["municipality"] for r in self.by_municipality.get(m, ())]
        if values.get("county"):
            return [r for c in values["county"] for r in self.by_county.get(c, ())]
        if values.get("bbox") is not None:
            return self._lon_slice(values["bbox"][0], values["bbox"][2])
        if values.get("near") is not None:
            (lat, lon), radius = values["near"], values["radius_km"]
            dlon = math.degrees(radius / EARTH_RADIUS_KM) / max(math.cos(math.radians(min(abs(lat) + 1, 89.9))), 1e-6)
            return self.rows if dlon >= 180 else self._lon_slice(lon - dlon * 1.01, lon + dlon * 1.01)
        if values.get("features"):  # every feature asked: the rows of the rarest one
            mask = values["features"]
            bits = [1 << i for i in range(mask.bit_length()) if mask >> i & 1]
            return min((self.by_feature.get(bit, ()) for bit in bits), key=len)
        return self.rows


@dataclass
class Finding:
    kind: str
    searches: list[int] = field(default_factory=list)
    previous: int | None = None  # for an estimate move: the estimate it moved from
    shown_by: tuple[int, ...] = ()  # those of `searches` that have a hit for it already (rare: a tuple)


@dataclass
class AlertRunResult:
    due_searches: int = 0
    candidates: int = 0
    digests: int = 0
    properties_reported: int = 0
    sent: int = 0
    skipped_invalid: list[int] = field(default_factory=list)


def _noop_hook(step: str, info: dict) -> None:
    pass


def _due_searches(now: dt.datetime) -> list[SavedSearch]:
    slack = dt.timedelta(minutes=settings.ALERTS_INTERVAL_MINUTES) / 2
    due = Q(frequency=AlertFrequency.INSTANT)
    for frequency in (AlertFrequency.DAILY, AlertFrequency.WEEKLY):
        due |= Q(frequency=frequency, last_notified__lte=now - PERIODS[frequency] + slack)
    return list(SavedSearch.objects.filter(due, user__is_active=True).exclude(user__email="")
                .select_related("user").only("id", "name", "params", "frequency", "last_notified", "user_id",
                                             "user__email", "user__language", "user__name", "user__username",
                                             "user__is_active"))


def _moved(estimate, reference, threshold: float) -> bool:
    return bool(estimate and reference) and abs(estimate - reference) / reference > threshold


def _classify(p: dict, hit_estimate, has_hit: bool, since: dt.datetime, matcher: SearchMatcher,
              threshold: float) -> tuple[str | None, int | None]:
    """(kind, the estimate it moved from) for one matching changed property, or (None, None)."""
    if has_hit:
        return (MOVED, hit_estimate) if _moved(p["estimate"], hit_estimate, threshold) else (None, None)
    if p["created_at"] > since or p["updated_at"] > since:
        return NEW, None
    # Only the estimate changed since the watermark. Did the previous estimate keep it out of the search?
    if matcher.reads("estimate") and not matcher({**p, "estimate": p["estimate_previous"]}):
        return NEW, None
    if _moved(p["estimate"], p["estimate_previous"], threshold):
        return MOVED, p["estimate_previous"]
    return None, None


def _load_hits(search_ids: set[int], property_ids: list[int]) -> dict[tuple[int, int], int | None]:
    hits = {}
    for start in range(0, len(property_ids), 5000):
        chunk = property_ids[start:start + 5000]
        for search_id, property_id, estimate in (SavedSearchHit.objects.filter(property_id__in=chunk)
                                                 .values_list("saved_search_id", "property_id", "estimate")):
            if search_id in search_ids:
                hits[(search_id, property_id)] = estimate
    return hits


def alerts_collect(
    *, now: dt.datetime
) -> tuple[list[SavedSearch], Candidates, dict[int, dict[int, Finding]], AlertRunResult]:
    """Step 1 (read only): per user, the properties to report, deduplicated across their searches."""
    result = AlertRunResult()
    due = _due_searches(now)
    result.due_searches = len(due)
    if not due:
        return due, Candidates(rows=[]), {}, result
    overlap = dt.timedelta(seconds=settings.ALERTS_WATERMARK_OVERLAP_SECONDS)
    oldest = min(s.last_notified for s in due) - overlap
    rows = list(Property.objects.active().filter(Q(updated_at__gt=oldest) | Q(estimated_at__gt=oldest))
                .values(*candidate_fields()))
    for row in rows:  # when it last changed in a way alerts care about
        row["changed_at"] = max(row["updated_at"], row["estimated_at"] or row["updated_at"])
    candidates = Candidates(rows=rows)
    result.candidates = len(rows)
    hits = _load_hits({s.id for s in due}, [r["id"] for r in rows]) if rows else {}
    threshold = settings.ALERTS_ESTIMATE_THRESHOLD
    findings: dict[int, dict[int, Finding]] = defaultdict(dict)
    matchers: dict[str, SearchMatcher | None] = {}
    for search in due:
        key = repr(sorted(search.params.items()))
        if key not in matchers:
            try:
                matchers[key] = SearchMatcher(search.params)
            except ValidationError:
                matchers[key] = None  # e.g. a municipality merged away: the search page shows the error
        matcher = matchers[key]
        if matcher is None:
            result.skipped_invalid.append(search.id)
            continue
        since = search.last_notified - overlap
        user_findings = findings[search.user_id]
        for p in candidates.for_matcher(matcher):
            if p["changed_at"] <= since or not matcher(p):
                continue
            hit_key = (search.id, p["id"])
            if hits and hit_key in hits:
                kind, previous = _classify(p, hits[hit_key], True, since, matcher, threshold)
            elif p["updated_at"] > since:  # created or facts changed, not shown before: the common case
                kind, previous = NEW, None
            else:
                kind, previous = _classify(p, None, False, since, matcher, threshold)
            if kind is None:
                continue
            finding = user_findings.get(p["id"])
            if finding is None:
                finding = user_findings[p["id"]] = Finding(kind=kind, searches=[search.id], previous=previous)
            else:
                finding.searches.append(search.id)
                if kind == NEW:
                    finding.kind = NEW
            if hits and hit_key in hits:
                finding.shown_by += (search.id,)
    return due, candidates, {u: f for u, f in findings.items() if f}, result


class DigestRenderer:
    """Renders digests for one run. A property's lines are rendered once per language and kind and
    reused across users (most changed properties appear in many digests); URLs are built from
    patterns reversed once."""

    def __init__(self):
        self.fragments: dict[tuple, tuple[str, str]] = {}
        self.subjects: dict[tuple, str] = {}
        self.property_url = absolute_url(reverse("properties:detail", args=[987654321])).replace("987654321", "{}")
        self.unsubscribe_url = absolute_url(reverse("accounts:alerts-unsubscribe", args=["TOKEN"])).replace(
            "TOKEN", "{}"
        )
        zero = str(uuid.UUID(int=0))
        self.digest_url = absolute_url(reverse("accounts:alert-digest", args=[zero])).replace(zero, "{}")
        self.search_url = absolute_url(reverse("properties:search")) + "?"

    def _fragment(self, language: str, row: dict, finding: Finding) -> tuple[str, str]:
        key = (language, row["id"], finding.kind, finding.previous)
        cached = self.fragments.get(key)
        if cached is None:
            context = {"p": row, "kind": finding.kind, "previous": finding.previous,
                       "url": self.property_url.format(row["id"])}
            # strip() returns a plain str: the HTML fragment, escaped by its own template, is marked safe
            # again, or the digest would show its markup as text.
            cached = (render_to_string("emails/_alert_item.txt", context).strip(),
                      mark_safe(render_to_string("emails/_alert_item.html", context).strip()))
            self.fragments[key] = cached
        return cached

    def render(self, *, user, searches: dict[int, SavedSearch], findings: dict[int, Finding],
               rows: dict[int, dict]) -> OutboxMessage:
        """One user's digest e-mail (text and HTML), not yet saved."""
        ordered = sorted(findings.items(),
                         key=lambda item: (item[1].kind != NEW, -(rows[item[0]]["estimate"] or 0), item[0]))
        cap = settings.ALERTS_DIGEST_MAX_PROPERTIES
        message = OutboxMessage(user=user, kind=OutboxMessage.Kind.ALERT_DIGEST, to=user.email,
                                property_ids=[pid for pid, _ in ordered])
        language = recipient_language(user)
        used = sorted({sid for f in findings.values() for sid in f.searches}, key=lambda s: searches[s].name)
        unsubscribe_all = self.unsubscribe_url.format(unsubscribe_token(user_id=user.pk, saved_search_id=None))
        with translation.override(language):
            items = []
            for pid, finding in ordered[:cap]:
                text, html = self._fragment(language, rows[pid], finding)
                items.append({"text": text, "html": html, "url": self.property_url.format(pid),
                              "searches": [searches[sid].name for sid in finding.searches]})
            context = {
                "user": user, "items": items, "total": len(ordered), "more": max(len(ordered) - cap, 0),
                "rest_url": self.digest_url.format(message.key),
                "searches": [{"name": searches[sid].name, "run_url": self.search_url + urlencode(searches[sid].params),
                              "unsubscribe_url": self.unsubscribe_url.format(
                                  unsubscribe_token(user_id=user.pk, saved_search_id=sid))} for sid in used],
                "unsubscribe_all_url": unsubscribe_all,
            }
            subject_key = (language, len(ordered))
            if subject_key not in self.subjects:
                self.subjects[subject_key] = render_to_string("emails/alert_digest_subject.txt", context).strip()
            message.subject = self.subjects[subject_key]
            message.body_text = render_to_string("emails/alert_digest.txt", context)
            message.body_html = render_to_string("emails/alert_digest.html", context)
        message.headers = {
            "List-Unsubscribe": f"<{unsubscribe_all}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return message


def _int_array(values) -> str:
    """Integers (or None) as a PostgreSQL array literal: adapting a Python list element by element costs
    more than the insert it feeds."""
    return "{" + ",".join("NULL" if v is None else str(int(v)) for v in values) + "}"


def _hits_write(*, new: list[tuple[int, int, int | None]], shown: list[tuple[int, int, int | None]],
                now: dt.datetime) -> None:
    """Record (saved search, property, estimate shown) in the caller's transaction.

    On PostgreSQL the hits no search had before go in by COPY, in the unique index's order, and the ones it
    had are updated from arrays; should another writer have added one of the new ones meanwhile (runs are
    locked against each other, so only by mistake), the batch falls back to an upsert of every row.
    """
    if not new and not shown:
        return
    if connection.vendor != "postgresql":
        SavedSearchHit.objects.bulk_create(
            [SavedSearchHit(saved_search_id=s, property_id=p, estimate=e, notified_at=now) for s, p, e in new + shown],
            batch_size=2000, update_conflicts=True, unique_fields=["saved_search", "property"],
            update_fields=["estimate", "notified_at"])
        return
    table = SavedSearchHit._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if new:
                with connection.wrap_database_errors, cursor.cursor.copy(
                        f"COPY {table} (saved_search_id, property_id, estimate, notified_at) FROM STDIN") as copy:
                    stamp = now.isoformat()
                    rows = sorted(new, key=lambda h: (h[0], h[1]))
                    for start in range(0, len(rows), 100_000):
                        copy.write("".join(f"{s}\t{p}\t{COPY_NULL if e is None else e}\t{stamp}\n"
                                           for s, p, e in rows[start:start + 100_000]))
            for start in range(0, len(shown), 50_000):
                searches, properties, estimates = zip(*shown[start:start + 50_000], strict=True)
                cursor.execute(
                    f"UPDATE {table} AS h SET estimate = v.e, notified_at = %s "
                    "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(s, p, e) "
                    "WHERE h.saved_search_id = v.s AND h.property_id = v.p",
                    [now, _int_array(searches), _int_array(properties), _int_array(estimates)])
    except IntegrityError:
        logger.warning("alert run: hits written meanwhile by another writer; upserting this batch")
        _hits_upsert(new + shown, now)


def _hits_upsert(hits: list[tuple[int, int, int | None]], now: dt.datetime) -> None:
    """Insert or update every hit (the fallback of _hits_write)."""
    with connection.cursor() as cursor:
        for start in range(0, len(hits), 50_000):
            searches, properties, estimates = zip(*hits[start:start + 50_000], strict=True)
            cursor.execute(
                f"INSERT INTO {SavedSearchHit._meta.db_table} "
                "(saved_search_id, property_id, estimate, notified_at) "
                "SELECT s, p, e, %s FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(s, p, e) "
                "ON CONFLICT (saved_search_id, property_id) "
                "DO UPDATE SET estimate = EXCLUDED.estimate, notified_at = EXCLUDED.notified_at",
                [now, _int_array(searches), _int_array(properties), _int_array(estimates)],
            )


def alerts_commit(*, now: dt.datetime, due: list[SavedSearch], candidates: Candidates,
                  findings: dict[int, dict[int, Finding]], hook: Hook = _noop_hook) -> int:
    """Step 2: per batch of users, one transaction: digests into the outbox, hits, watermarks to ``now``."""
    rows = {r["id"]: r for r in candidates.rows}
    by_user: dict[int, list[SavedSearch]] = defaultdict(list)
    for search in due:
        by_user[search.user_id].append(search)
    user_ids = sorted(by_user)
    size = settings.ALERTS_COMMIT_BATCH_USERS
    renderer = DigestRenderer()
    digests = 0
    for start in range(0, len(user_ids), size):
        batch = user_ids[start:start + size]
        messages: list[OutboxMessage] = []
        hits: list[tuple[int, int, int | None]] = []
        shown: list[tuple[int, int, int | None]] = []
        for user_id in batch:
            user_findings = findings.get(user_id)
            if not user_findings:
                continue
            searches = {s.id: s for s in by_user[user_id]}
            messages.append(renderer.render(user=by_user[user_id][0].user, searches=searches,
                                            findings=user_findings, rows=rows))
            for pid, finding in user_findings.items():
                estimate = rows[pid]["estimate"]
                for sid in finding.searches:
                    (shown if sid in finding.shown_by else hits).append((sid, pid, estimate))
        with transaction.atomic():
            mail_enqueue_many(messages=messages, send_on_commit=False)  # the run sends them itself, below
            _hits_write(new=hits, shown=shown, now=now)
            ids = [s.id for uid in batch for s in by_user[uid]]
            for chunk_start in range(0, len(ids), 5000):
                SavedSearch.objects.filter(id__in=ids[chunk_start:chunk_start + 5000]).update(last_notified=now)
        digests += len(messages)
        hook("committed", {"users": batch, "messages": len(messages)})
    return digests


def saved_search_alerts_run(*, now: dt.datetime | None = None, send: bool = True,
                            hook: Hook = _noop_hook) -> AlertRunResult:
    """One alert run: collect, commit, send. Only one run at a time (a cache lock); safe to run twice."""
    if not cache.add(LOCK_KEY, "1", timeout=30 * 60):
        logger.info("alert run skipped: another run holds the lock")
        return AlertRunResult()
    try:
        now = now or timezone.now()
        due, candidates, findings, result = alerts_collect(now=now)
        result.properties_reported = sum(len(f) for f in findings.values())
        hook("collected", {"users": len(findings)})
        if due:
            result.digests = alerts_commit(now=now, due=due, candidates=candidates, findings=findings, hook=hook)
    finally:
        cache.delete(LOCK_KEY)
    if send:
        result.sent = outbox_send(hook=hook)
    return result

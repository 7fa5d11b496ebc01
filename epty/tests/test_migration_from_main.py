"""Migrating a database laid out as before the move of models between apps (the leaf migrations below)
to today's layout loses, changes and duplicates no row, and relabels the content types.

The database is migrated back to BEFORE (apps that did not exist then, to zero), every moved model's
table is filled through the historical models of that state, a user is granted a permission on each,
then everything is migrated forward. To check another model that moved, add a line to MOVED.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The leaf migrations of main before saved things, the outbox (and recommendations' rooms) moved.
BEFORE = {"accounts": "0004_user_language_follows_browser", "properties": "0007_sale_place",
          "offers": "0001_initial", "recommendations": "0002_market_trends"}
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

Rows = Callable[[Any, dict[str, list]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Move:
    old: str  # "app_label.Model" before
    new: str  # "app_label.Model" now
    rows: Rows  # (historical apps, rows made so far by label) → field values of the rows to create


def _collections(apps, made):
    user = made["user"][0]
    return [{"user": user, "name": "Favourites", "is_default": True},
            {"user": user, "name": "Hytter på fjellet", "is_default": False}]


def _saved_properties(apps, made):
    favourites, cabins = made["accounts.Collection"]
    prop = made["property"][0]
    return [{"collection": favourites, "property": prop, "note": "Nær skolen", "tags": ["sol", "utsikt"]},
            {"collection": cabins, "property": prop, "note": "", "tags": []}]


def _saved_searches(apps, made):
    return [{"user": made["user"][0], "name": "Oslo, 3 rom", "params": {"municipality": "0301", "rooms_min": "3"},
             "frequency": "daily", "last_notified": NOW},
            {"user": made["user"][0], "name": "Hytter", "params": {"category": "cabin", "features": "sauna,view"},
             "frequency": "off", "last_notified": NOW - dt.timedelta(days=3)}]


def _hits(apps, made):
    return [{"saved_search": search, "property": made["property"][0], "estimate": 4_250_000, "notified_at": NOW}
            for search in made["accounts.SavedSearch"]]


def _history(apps, made):
    return [{"user": made["user"][0], "params": {"q": "storgata"}, "result_count": 12, "count_is_exact": True,
             "via": "page", "created_at": NOW},
            {"user": made["user"][0], "params": {"county": "46"}, "result_count": None, "count_is_exact": False,
             "via": "api", "created_at": NOW - dt.timedelta(hours=5)}]


def _outbox(apps, made):
    return [{"user": made["user"][0], "key": uuid.UUID(int=7), "kind": "alert_digest", "to": "kari@example.no",
             "subject": "epty: 2 nye treff", "body_text": "…", "body_html": "<p>…</p>",
             "headers": {"List-Unsubscribe": "<https://epty.no/u/x/>"}, "property_ids": [made["property"][0].pk],
             "sent_at": NOW, "attempts": 1, "last_error": ""},
            {"user": made["user"][0], "key": uuid.UUID(int=8), "kind": "alert_digest", "to": "kari@example.no",
             "subject": "epty: 1 nytt treff", "body_text": "…", "body_html": "", "headers": {}, "property_ids": [],
             "sent_at": None, "attempts": 3, "last_error": "Connection refused"}]


# In dependency order (a row may point at rows made by an earlier line).
MOVED = [
    Move("accounts.Collection", "saved.Collection", _collections),
    Move("accounts.SavedProperty", "saved.SavedProperty", _saved_properties),
    Move("accounts.SavedSearch", "saved.SavedSearch", _saved_searches),
    Move("accounts.SavedSearchHit", "saved.SavedSearchHit", _hits),
    Move("accounts.SearchHistoryEntry", "saved.SearchHistoryEntry", _history),
    Move("accounts.OutboxMessage", "mail.OutboxMessage", _outbox),
]


def _model(apps, label: str):
    app_label, name = label.split(".")
    return apps.get_model(app_label, name)


def _rows(model) -> list[dict[str, Any]]:
    return [{k: (float(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
            for row in model.objects.order_by("pk").values()]


def _content_type(apps, label: str):
    app_label, name = label.split(".")
    return apps.get_model("contenttypes", "ContentType").objects.filter(app_label=app_label, model=name.lower()).first()


def _targets_before(executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    """BEFORE's leaves, and zero for every app of this project that has migrations but did not exist then."""
    ours = {label for label in executor.loader.migrated_apps if _is_ours(label)}
    return [*BEFORE.items(), *((label, None) for label in sorted(ours - set(BEFORE)))]


def _is_ours(label: str) -> bool:
    from django.apps import apps

    try:
        path = apps.get_app_config(label).path
    except LookupError:
        return False
    return path.startswith(str(settings.BASE_DIR)) and "/.venv/" not in path and "site-packages" not in path


@pytest.mark.django_db(transaction=True)
def test_moving_models_between_apps_keeps_every_row_and_relabels_content_types():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        targets = _targets_before(executor)
        executor.migrate(targets)
        executor.loader.build_graph()
        old = executor.loader.project_state([t for t in targets if t[1] is not None]).apps

        made: dict[str, list] = {
            "user": [_model(old, "accounts.User").objects.create(
                username="u_migration", bankid_altsub="9578-6000-4-900001", email="kari@example.no", name="Kari")],
            "property": [_model(old, "properties.Property").objects.create(
                external_id="0301-1/1/0/0", category="residential", municipality_number="0301",
                municipality_name="Oslo", county_number="03", county_name="Oslo", lat=59.91, lon=10.75,
                content_hash="x" * 32)],
        }
        before, content_types = {}, {}
        permission_model = old.get_model("auth", "Permission")
        user = made["user"][0]
        for move in MOVED:
            model = _model(old, move.old)
            made[move.old] = [model.objects.create(**values) for values in move.rows(old, made)]
            before[move.old] = _rows(model)
            content_type = _content_type(old, move.old)
            assert content_type is not None, f"{move.old} has no content type before the move"
            content_types[move.old] = content_type.pk
            user.user_permissions.add(*permission_model.objects.filter(content_type_id=content_type.pk))

        executor.loader.build_graph()
        executor.migrate(leaves)
        executor.loader.build_graph()
        new = executor.loader.project_state(leaves).apps

        for move in MOVED:
            assert _rows(_model(new, move.new)) == before[move.old], move.new
            moved_type = _content_type(new, move.new)
            assert moved_type is not None and moved_type.pk == content_types[move.old], move.new
            assert _content_type(new, move.old) is None, f"{move.old} still has a content type"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    kept = get_user_model().objects.get(username="u_migration")
    for move in MOVED:
        app_label, name = move.new.split(".")
        assert kept.has_perm(f"{app_label}.view_{name.lower()}"), f"the permission on {move.new} was lost"

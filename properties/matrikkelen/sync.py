"""Full import and incremental sync from Matrikkelen, resumable and idempotent.

Full import (as matrikkelen.md describes): remember `findSisteEndringId` first, then page
through the bulk download by matrikkelenhet id, then replay the change log from the
remembered id. Incremental sync: page through `findEndringer` from the checkpoint and
re-read every matrikkelenhet the changes touch (its current state, so replaying a change
twice is harmless).

Every batch is one transaction that writes the properties, retires what disappeared,
advances the durable position (`SyncState.full_cursor` during the bulk load,
`SyncState.checkpoint` after) and adds to the run's counts. A process killed at any point
therefore leaves the database at a batch boundary, and the next run continues from there
and ends exactly where an uninterrupted run ends.

Before its write a batch is compared with what is stored under its external ids: new
properties are COPYed straight in, unchanged ones are counted and not written, the others are
upserted (the open register import sorts its batches the same way, `_sort_out`). During the
bulk load a batch's commit does not wait for the disk; the closing write does.
"""
from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, F
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.module_loading import import_string

from properties.models import Property, SyncRun, SyncState
from properties.services import (
    property_clean_row,
    property_insert_clean,
    property_retire_many,
    property_upsert_clean,
)

from . import mapping
from .interface import MatrikkelError, MatrikkelSource

logger = logging.getLogger("properties.matrikkelen")
MAX_ERRORS = 100
Progress = Callable[[str, int], object]  # (phase, matrikkelenheter handled in this batch); its result is ignored


class SyncConflict(MatrikkelError):
    """Another sync moved the position of this scope meanwhile; this run stops, nothing half-written."""

    code = "sync_conflict"


def get_source(name: str | None = None) -> MatrikkelSource:
    name = name or settings.MATRIKKEL_SOURCE
    if name == "soap":
        from .soap import SoapSource
        return SoapSource()
    if name == "rest":
        from .rest import RestSource
        return RestSource()
    if name == "standin":
        # The development stand-in lives in the `standins` app (never installed in production).
        return import_string(settings.MATRIKKEL_STANDIN_SOURCE)()
    raise ValueError(f"Unknown MATRIKKEL_SOURCE {name!r}: use soap, rest or standin.")


@dataclass
class _Batch:
    rows: list[dict]  # clean rows (property_clean_row), ready to write
    retire: list[int]  # matrikkelenhet ids
    failed: list[dict]
    retire_ids: list[int] = field(default_factory=list)  # property ids (sources without matrikkelenhet ids)
    unchanged: int = 0  # rows found unchanged before the write (not sent to it)
    new_rows: list[dict] = field(
        default_factory=list
    )  # clean rows of properties known to be new: inserted, not upserted


def _prepare(records: list[dict], missing: Sequence[int] = (), *, fact_source: str) -> _Batch:
    """Map and validate records. Unmappable ones are retired; invalid ones fail alone, never half-written.

    Touches no database, so it can run in a worker thread while the previous batch is written.
    """
    rows, retire, failed = [], list(missing), []
    for record in records:
        try:
            row = None if record.get("utgatt") else mapping.to_row(record, fact_source=fact_source)
            if row is not None:
                row = property_clean_row(row)
        except ValidationError as exc:
            failed.append({"matrikkelenhet_id": record.get("id"), "external_id": mapping.external_id(record),
                           "message": "; ".join(exc.messages)})
            continue
        except (KeyError, TypeError, ValueError) as exc:
            failed.append({"matrikkelenhet_id": record.get("id"), "message": f"cannot map: {exc!r}"})
            continue
        if row is None:
            retire.append(record["id"])
        else:
            rows.append(row)
    return _Batch(rows, retire, failed)


class Stored(NamedTuple):
    """What the split of a batch needs to know of a stored property."""

    id: int
    content_hash: str
    retired: bool
    source: str


def stored_properties(properties) -> dict[str, Stored]:
    """{external_id: Stored} of a queryset of properties."""
    return {ext: Stored(pk, content_hash, retired_at is not None, source)
            for ext, pk, content_hash, retired_at, source in properties.values_list(
                "external_id", "id", "content_hash", "retired_at", "source")}


def _sort_out(batch: _Batch, clean_rows: Iterable[dict], stored: Mapping[str, Stored]) -> _Batch:
    """Put each clean row where it goes: new ones to `new_rows` (COPY), changed ones to `rows` (upsert),
    unchanged ones counted only. Unchanged is the upsert's own rule (bulk.property_upsert): the same
    content hash and not retired; it is applied here, before the write, so that such rows cost no write.
    """
    new, changed, unchanged = batch.new_rows, batch.rows, 0
    for clean in clean_rows:
        before = stored.get(clean["external_id"])
        if before is None:
            new.append(clean)  # not in the catalogue (should another writer add it meanwhile: upserted)
        elif before.content_hash == clean["content_hash"] and not before.retired:
            unchanged += 1
        else:
            changed.append(clean)
    batch.unchanged += unchanged
    return batch


def _sorted_by_what_is_stored(batch: _Batch) -> _Batch:
    """The batch's rows split by the properties stored under their external ids (one query)."""
    rows, batch.rows = batch.rows, []
    if rows:
        ids = [r["external_id"] for r in rows]
        if connection.vendor == "postgresql":  # one array parameter: 5,000 placeholders cost more than the query
            same = Property.objects.filter(RawSQL('"properties_property"."external_id" = ANY(%s)', [ids],
                                                  output_field=BooleanField()))
        else:
            same = Property.objects.filter(external_id__in=ids)
        _sort_out(batch, rows, stored_properties(same))
    return batch


_gc_lock = threading.Lock()
_gc_pause = {"imports": 0, "was_enabled": True}  # imports running in this process without cycle collection


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Automatic cycle collection off for the length of an import, back as it was afterwards.

    An import makes millions of short-lived objects (records, rows, JSON texts) and no reference
    cycles: reference counting frees them as before, and the collector's passes over them and over
    the batches in flight took a fifth to a third of its Python time to find nothing.
    """
    with _gc_lock:
        if _gc_pause["imports"] == 0:
            _gc_pause["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_pause["imports"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pause["imports"] -= 1
            if _gc_pause["imports"] == 0 and _gc_pause["was_enabled"]:
                gc.enable()


def _write(run: SyncRun, batch: _Batch, *, state_update: dict, expect: dict, wait_for_disk: bool = True) -> None:
    """One transaction: properties, retirements, position, run counts.

    `wait_for_disk=False` (PostgreSQL): the commit returns before its WAL is on disk. For imports that
    can be redone from their file: should the database server crash, the last batches are lost together
    with their position, and the next run writes them again; the run's closing write waits for the disk,
    which puts every batch before it there too.
    """
    with transaction.atomic():
        if not wait_for_disk and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        state = SyncState.objects.select_for_update().get(pk=run.state_id)
        for name, value in expect.items():
            if getattr(state, name) != value:
                raise SyncConflict(f"{name} moved from {value} to {getattr(state, name)}: another sync is running.")
        result = property_upsert_clean(clean_rows=batch.rows)
        result += property_insert_clean(clean_rows=batch.new_rows)
        retired = property_retire_many(matrikkelenhet_ids=batch.retire, ids=batch.retire_ids) \
            if batch.retire or batch.retire_ids else 0
        for name, value in state_update.items():
            setattr(state, name, value)
        state.save()
        errors = [{"at": timezone.now().isoformat(), **f} for f in batch.failed]
        SyncRun.objects.filter(pk=run.pk).update(
            created=F("created") + result.created, updated=F("updated") + result.updated,
            unchanged=F("unchanged") + result.unchanged + batch.unchanged, retired=F("retired") + retired,
            failed=F("failed") + len(batch.failed), checkpoint_after=state.checkpoint)
        if errors:
            run.refresh_from_db(fields=["errors"])
            run.errors = (run.errors + errors)[-MAX_ERRORS:]
            SyncRun.objects.filter(pk=run.pk).update(errors=run.errors)
    run.created += result.created
    run.updated += result.updated
    run.unchanged += result.unchanged + batch.unchanged
    run.retired += retired
    run.failed += len(batch.failed)
    for name, value in state_update.items():
        setattr(run.state, name, value)


def _retire_range(scope_municipality: str | None, after: int, upto: int | None, seen: set[int]) -> list[int]:
    """Local matrikkelenhet ids in (after, upto] that the bulk download did not return."""
    qs = Property.objects.filter(matrikkelenhet_id__gt=after, retired_at__isnull=True)
    if upto is not None:
        qs = qs.filter(matrikkelenhet_id__lte=upto)
    if scope_municipality:
        qs = qs.filter(municipality_number=scope_municipality)
    return [mid for mid in qs.values_list("matrikkelenhet_id", flat=True) if mid is not None and mid not in seen]


def _full(run: SyncRun, source: MatrikkelSource, municipality: str | None, batch_size: int,
          progress: Progress | None) -> None:
    state = run.state
    if state.full_start_change_id is None:
        start = source.latest_change_id()  # first: changes after this are replayed afterwards
        with transaction.atomic():
            SyncState.objects.filter(pk=state.pk).update(full_start_change_id=start, full_cursor=0)
        state.full_start_change_id, state.full_cursor = start, 0
    assert state.full_cursor is not None  # set with full_start_change_id, in the same update
    def fetch(after: int) -> tuple[list[int], _Batch]:
        records = source.units_after(after=after, limit=batch_size, municipality=municipality)
        return [r["id"] for r in records], _prepare(records, fact_source=source.fact_source)

    # The next page is fetched, mapped and validated in a worker thread while this one is
    # written: the database and the Python work overlap. Writes stay in order, in this thread.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="matrikkel-prefetch") as pool:
        pending = pool.submit(fetch, state.full_cursor)
        while True:
            ids, batch = pending.result()
            if not ids:
                break
            cursor = state.full_cursor
            pending = pool.submit(fetch, max(ids))
            batch.retire += _retire_range(municipality, cursor, max(ids), set(ids))
            # A batch's commit does not wait for the disk: should the database server crash, the batch is lost
            # with its position and read again from upstream. The closing write below waits, for all of them.
            _write(run, _sorted_by_what_is_stored(batch), state_update={"full_cursor": max(ids)},
                   expect={"full_cursor": cursor}, wait_for_disk=False)
            if progress:
                progress("full", len(ids))
    batch = _Batch([], _retire_range(municipality, state.full_cursor, None, set()), [])
    _write(run, batch, state_update={"checkpoint": state.full_start_change_id, "full_start_change_id": None,
                                     "full_cursor": None},
           expect={"full_cursor": state.full_cursor})


def _incremental(run: SyncRun, source: MatrikkelSource, municipality: str | None, batch_size: int,
                 progress: Progress | None) -> None:
    state = run.state
    while True:
        checkpoint = state.checkpoint
        assert checkpoint is not None  # the full sync, which runs first when it is unset, sets it
        page = source.changes(after=checkpoint, limit=batch_size, municipality=municipality)
        ids = page.matrikkelenhet_ids
        chunks = [ids[i:i + batch_size] for i in range(0, len(ids), batch_size)] or [[]]
        for n, chunk in enumerate(chunks):
            found = source.units(chunk) if chunk else {}
            batch = _sorted_by_what_is_stored(_prepare(
                [found[i] for i in chunk if i in found], [i for i in chunk if i not in found],
                fact_source=source.fact_source))
            last = n == len(chunks) - 1
            # Only the last chunk of a page moves the checkpoint: a crash before it redoes the page.
            _write(run, batch, state_update={"checkpoint": page.last_processed} if last else {},
                   expect={"checkpoint": checkpoint})
            if progress:
                progress("incremental", len(chunk))
        if page.all_found or page.last_processed == checkpoint:
            break


def matrikkel_sync(*, kind: str = SyncRun.Kind.INCREMENTAL, municipality: str | None = None,
                   source: MatrikkelSource | None = None, batch_size: int | None = None,
                   progress: Progress | None = None) -> SyncRun:
    """Run a full import or an incremental sync; returns its SyncRun (also when it failed).

    An incremental sync of a scope that was never imported runs the full import first; a
    full import interrupted earlier resumes where it stopped.
    """
    scope = municipality or "all"
    batch_size = batch_size or settings.MATRIKKEL_SYNC_BATCH_SIZE
    state, _ = SyncState.objects.get_or_create(scope=scope)
    interrupted = SyncRun.objects.filter(scope=scope, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.INTERRUPTED, finished_at=timezone.now())
    if interrupted:
        logger.warning("matrikkel sync: %s earlier run(s) of %s ended without finishing; resuming", interrupted, scope)
    run = SyncRun.objects.create(kind=kind, scope=scope, started_at=timezone.now(), checkpoint_before=state.checkpoint,
                                 checkpoint_after=state.checkpoint)
    run.state = state
    run.state_id = state.pk
    try:
        source = source or get_source()
        run.source = source.name
        SyncRun.objects.filter(pk=run.pk).update(source=source.name)
        # A full import runs when asked for, when one was interrupted (it resumes), or when the
        # scope was never imported; the change log is replayed after it in every case.
        with without_cycle_collection():
            if kind == SyncRun.Kind.FULL or state.full_start_change_id is not None or state.checkpoint is None:
                _full(run, source, municipality, batch_size, progress)
            _incremental(run, source, municipality, batch_size, progress)
        run.status = SyncRun.Status.SUCCEEDED
    except MatrikkelError as exc:
        run.status = SyncRun.Status.FAILED
        run.refresh_from_db(fields=["errors"])
        run.errors = (run.errors + [{"at": timezone.now().isoformat(), "code": exc.code, "message": str(exc)}])[
            -MAX_ERRORS:
        ]
        logger.error("matrikkel sync %s failed: %s", run.pk, exc)
    except Exception as exc:
        run.status = SyncRun.Status.FAILED
        run.refresh_from_db(fields=["errors"])
        run.errors = (run.errors + [{"at": timezone.now().isoformat(), "code": "internal_error",
                                     "message": f"{type(exc).__name__}: {exc}"}])[-MAX_ERRORS:]
        raise
    finally:
        run.finished_at = timezone.now()
        run.checkpoint_after = SyncState.objects.get(pk=state.pk).checkpoint
        SyncRun.objects.filter(pk=run.pk).update(status=run.status, finished_at=run.finished_at, errors=run.errors,
                                                 checkpoint_after=run.checkpoint_after)
        run.refresh_from_db()
    return run


def matrikkel_refresh_property(*, property_id: int, source: MatrikkelSource | None = None) -> SyncRun:
    """Re-read one property from Matrikkelen now (the admin action). Does not move the checkpoint."""
    prop = Property.objects.get(pk=property_id)
    state, _ = SyncState.objects.get_or_create(scope="refresh")
    run = SyncRun.objects.create(kind=SyncRun.Kind.REFRESH, scope="refresh", started_at=timezone.now())
    run.state, run.state_id = state, state.pk
    try:
        source = source or get_source()
        run.source = source.name
        mid = prop.matrikkelenhet_id or source.unit_id_for_ident(prop.external_id)
        found = source.units([mid]) if mid else {}
        batch = _prepare(list(found.values()), [] if found or mid is None else [mid], fact_source=source.fact_source)
        if mid is None:
            batch.failed.append({"external_id": prop.external_id, "message": "not found in Matrikkelen"})
        _write(run, batch, state_update={}, expect={})
        from django.core.cache import cache

        from .cache import PREFIX
        cache.delete(f"{PREFIX}{source.name}:unit:{prop.external_id}")
        run.status = SyncRun.Status.SUCCEEDED if not batch.failed else SyncRun.Status.FAILED
    except MatrikkelError as exc:
        run.status = SyncRun.Status.FAILED
        run.errors = [{"at": timezone.now().isoformat(), "code": exc.code, "message": str(exc)}]
    finally:
        run.finished_at = timezone.now()
        SyncRun.objects.filter(pk=run.pk).update(status=run.status, finished_at=run.finished_at,
                                                 source=run.source, **({"errors": run.errors} if run.errors else {}))
        run.refresh_from_db()
    return run


def matrikkel_lookup(*, ident: str, source: MatrikkelSource | None = None):
    """A cached read of one matrikkelenhet by ident (CachedRead: value is a record or None, and whether stale)."""
    from .cache import cached_read

    source = source or get_source()
    return cached_read(f"{source.name}:unit:{ident}", lambda: source.unit_by_ident(ident))

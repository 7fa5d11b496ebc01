"""Locks for jobs that must not run twice at once (a Celery task started again while the last run is busy, a
management command beside the scheduled task), on the primary database.

- :func:`job_lock`: a PostgreSQL session-level advisory lock, taken without waiting; the caller skips its run when
  another holds it. Released at the end of the block, and by PostgreSQL itself when the worker's connection dies
  (a killed worker never leaves it behind, unlike a lock with a timeout). Other databases (SQLite in development):
  a cache lock (``cache.add``) with a timeout.
- :func:`xact_lock`: a transaction-level advisory lock, waiting: the second run starts after the first commits.
"""
from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def job_lock(name: str, *, timeout: int = 6 * 3600) -> Iterator[bool]:
    """Yields True when this run holds the lock ``name`` (False: another run does; do nothing)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        got = bool(cache.add(f"job-lock:{name}", 1, timeout=timeout))
        try:
            yield got
        finally:
            if got:
                cache.delete(f"job-lock:{name}")
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except Exception:  # noqa: BLE001 - the connection is gone, and the lock with it
                connection.close()


def xact_lock(name: str) -> None:
    """Inside a transaction on PostgreSQL: wait until no other transaction holds ``name``; held until commit."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])

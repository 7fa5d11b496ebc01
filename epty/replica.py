"""Read traffic on a PostgreSQL streaming replica (DATABASE_REPLICA_URL), writes and everything else on the primary.

Nothing here does anything unless DATABASE_REPLICA_URL is set (the `replica` database alias exists) and
DATABASE_REPLICA_READS is on. Then:

- **Which reads**: a request opts in when :class:`ReplicaRoutingMiddleware` sees a GET or HEAD (search, property
  pages, the map, API lists...) or a view marked read-only (``replica_reads = True`` on the view or its class,
  e.g. the recommendation API's POST), outside the primary-only paths (the admin, /healthz). Celery tasks and
  management commands read the primary unless they opt in with ``with replica_reads():``.
- **Writes** always go to the primary (:class:`ReplicaRouter` ``db_for_write``). Once a request has written, or
  while a transaction is open on the primary, its reads go to the primary too: a read inside a write transaction
  is never stale.
- **Read-your-writes**: after a request that wrote (an unsafe method that succeeded, a changed session, or a
  service that called :func:`stick_to_primary`), the response sets a signed cookie; for
  DATABASE_REPLICA_STICKY_SECONDS that person's reads stay on the primary, so their own collections, offers and
  profile are fresh. The cookie holds no personal data: Django's signature carries the time it was set. A client
  sending an Authorization header (API tokens) is also remembered in the cache, under a hash of that header, as
  such clients often keep no cookies. API tokens are always looked up on the primary (accounts/api).
- **Fallback**: the replica's state (:func:`replica_status`) is checked at most every CHECK_SECONDS per process.
  Down (no connection) or lagging more than DATABASE_REPLICA_MAX_LAG_SECONDS: reads go to the primary. A read
  request that fails with a 5xx while it used the replica re-checks at once and, if the replica is now down, is
  answered again from the primary: a replica that dies between two checks costs a retry, not a 500.

Lag is ``now() - pg_last_xact_replay_timestamp()`` on the replica, but 0 when everything received has been replayed
(``pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()``): on an idle primary the replay timestamp ages while
the replica is perfectly current. When the replica is behind, the age of its last replayed transaction is an upper
bound of how stale its data is (after a long idle time it over-estimates, which errs on the primary's side).
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
COOKIE = "epty_primary"  # "this browser wrote recently": read from the primary (a signed, timestamped marker)
COOKIE_SALT = "epty.replica.read-your-writes"
CHECK_SECONDS = 5.0  # how long one process trusts its last look at the replica
PRIMARY_ONLY_PREFIXES = ("/admin/", "/healthz")  # staff edit and expect what they just saved; health checks the primary
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@dataclass
class Routing:
    """One request's (or one opted-in task's) routing: set by the middleware, read by the router."""

    replica_allowed: bool = False
    wrote: bool = False  # a write was routed in this request: later reads go to the primary
    stick: bool = False  # set the read-your-writes cookie on the response
    used_replica: bool = False
    read_only: bool = False  # a view marked read-only (replica_reads = True): its success is not a write


_routing: contextvars.ContextVar[Routing | None] = contextvars.ContextVar("epty_replica_routing", default=None)


# --- The replica's state, per process ------------------------------------------------------------------------
@dataclass
class ReplicaStatus:
    state: str  # ok | lagging | down | not_configured
    lag_seconds: float | None = None
    error: str | None = None
    checked_at: float = field(default_factory=time.monotonic)

    @property
    def usable(self) -> bool:
        return self.state == "ok"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state, "ok": self.state in {"ok", "not_configured"}}
        if self.lag_seconds is not None:
            out["lag_seconds"] = round(self.lag_seconds, 3)
        if self.error:
            out["error"] = self.error
        return out


LAG_SQL = """
    SELECT pg_is_in_recovery(),
           CASE WHEN NOT pg_is_in_recovery() THEN 0
                WHEN pg_last_wal_receive_lsn() IS NOT NULL
                     AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""

_status: ReplicaStatus | None = None
_status_lock = threading.Lock()


def replica_check() -> ReplicaStatus:
    """Ask the replica now how far behind it is (never raises)."""
    if not replica_configured():
        return ReplicaStatus("not_configured")
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            _in_recovery, lag = cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure to ask means the replica cannot serve reads
        with contextlib.suppress(Exception):
            connection.close()
        return ReplicaStatus("down", error=type(exc).__name__)
    if lag is None:  # replayed nothing yet since it started and behind what it received: unknown, so not trusted
        return ReplicaStatus("lagging")
    lag = max(float(lag), 0.0)
    state = "ok" if lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS else "lagging"
    return ReplicaStatus(state, lag_seconds=lag)


def replica_status(*, fresh: bool = False) -> ReplicaStatus:
    """The replica's state as this process last saw it, at most CHECK_SECONDS old (``fresh``: ask now)."""
    global _status
    if not replica_configured():
        return ReplicaStatus("not_configured")
    with _status_lock:
        if fresh or _status is None or time.monotonic() - _status.checked_at > CHECK_SECONDS:
            _status = replica_check()
        return _status


def replica_status_forget() -> None:
    """Forget the cached state (tests, and after a failure seen by a request)."""
    global _status
    with _status_lock:
        _status = None


# --- The router ----------------------------------------------------------------------------------------------
class ReplicaRouter:
    """Reads of opted-in requests to the replica while it is current; every write, and every other read, to the
    primary. Migrations run on the primary only (the replica receives them through replication)."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        routing = _routing.get()
        if (routing is None or not routing.replica_allowed or routing.wrote or not replica_configured()
                or not settings.DATABASE_REPLICA_READS or connections[PRIMARY].in_atomic_block):
            return PRIMARY
        if not replica_status().usable:
            return PRIMARY
        routing.used_replica = True
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        routing = _routing.get()
        if routing is not None:
            routing.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True  # the same data: the replica is a copy of the primary
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


# --- Opting in and out ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def replica_reads() -> Iterator[Routing]:
    """For a Celery task or a command that may read slightly stale data: its reads go to the replica (while it
    is current) until it writes. Without this, tasks and commands read the primary."""
    routing = Routing(replica_allowed=True)
    token = _routing.set(routing)
    try:
        yield routing
    finally:
        _routing.reset(token)


def stick_to_primary() -> None:
    """After a write that a safe request made (a service called from a GET): this person's next reads, for
    DATABASE_REPLICA_STICKY_SECONDS, come from the primary. Outside a request it does nothing."""
    routing = _routing.get()
    if routing is not None:
        routing.wrote = True
        routing.stick = True


def _wants_replica(request: HttpRequest) -> bool:
    return (request.method in SAFE_METHODS and not request.path.startswith(PRIMARY_ONLY_PREFIXES)
            and not _recently_wrote(request))


def _recently_wrote(request: HttpRequest) -> bool:
    if request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT,
                                 max_age=settings.DATABASE_REPLICA_STICKY_SECONDS) is not None:
        return True
    key = _client_key(request)
    return key is not None and _cache_get(key) is not None


def _client_key(request: HttpRequest) -> str | None:
    """API clients with a token often keep no cookies: their marker is kept in the cache under a hash of their
    Authorization header (never the header itself)."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if not header:
        return None
    return "epty:replica:wrote:" + hashlib.sha256(header.encode("utf-8", "surrogateescape")).hexdigest()[:40]


def _cache_get(key: str) -> Any:
    from django.core.cache import cache

    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - the cache down: the cookie still works; such clients read the replica
        return None


def _read_only_view(view_func: Callable[..., Any]) -> bool:
    return bool(getattr(view_func, "replica_reads", False)
                or getattr(getattr(view_func, "cls", None), "replica_reads", False)
                or getattr(getattr(view_func, "view_class", None), "replica_reads", False))


class ReplicaRoutingMiddleware:
    """Decides per request whether its reads may go to the replica, and keeps read-your-writes (see the module).

    First in MIDDLEWARE: the session and the user are loaded lazily by later middleware, so they follow the
    decision made here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (replica_configured() and settings.DATABASE_REPLICA_READS):
            return self.get_response(request)
        routing = Routing(replica_allowed=_wants_replica(request))
        token = _routing.set(routing)
        try:
            response = self.get_response(request)
            if routing.used_replica and response.status_code >= 500 and not routing.wrote:
                # The replica may have gone between two checks: look again, and answer from the primary if so.
                if not replica_status(fresh=True).usable:
                    routing = Routing(read_only=routing.read_only)
                    _routing.set(routing)
                    response = self.get_response(request)
        finally:
            _routing.reset(token)
        self._remember_write(request, response, routing)
        return response

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any,
                     view_kwargs: Any) -> None:
        routing = _routing.get()
        if routing is not None and request.method not in SAFE_METHODS and _read_only_view(view_func):
            routing.read_only = True
            routing.replica_allowed = (not request.path.startswith(PRIMARY_ONLY_PREFIXES)
                                       and not _recently_wrote(request))

    @staticmethod
    def _remember_write(request: HttpRequest, response: HttpResponse, routing: Routing) -> None:
        session = getattr(request, "session", None)
        wrote = routing.stick or bool(session is not None and session.modified) or (
            request.method not in SAFE_METHODS and response.status_code < 400 and not routing.read_only)
        if wrote:
            key = _client_key(request)
            if key is not None:
                from django.core.cache import cache

                with contextlib.suppress(Exception):
                    cache.set(key, 1, timeout=settings.DATABASE_REPLICA_STICKY_SECONDS)
            response.set_signed_cookie(
                COOKIE, "1", salt=COOKIE_SALT, max_age=settings.DATABASE_REPLICA_STICKY_SECONDS, path="/",
                secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")

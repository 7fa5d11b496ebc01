"""A real PostgreSQL streaming replica of this machine's cluster, for the replica tests and bench/replica.py.

`pg_basebackup -R -X stream` of the primary into a temporary directory, started with `pg_ctl` on another port
as the `postgres` OS user (PostgreSQL refuses to run as root), with small memory, fed through a replication slot
(dropped again, with the copy, at the end: a slot left behind would keep the primary's WAL for ever).
The primary must allow replication connections from loopback (Debian's default pg_hba.conf does, for `postgres`)
and run with wal_level=replica. The copy is of the whole cluster: it takes as long as the cluster is large.

    python -m epty.tests.streaming_replica url [PORT]   # DATABASE_URL with the replica's port (for the Makefile)
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DEFAULT_PORT = 5433
# A standby needs at least the primary's values of these (hot standby refuses to start otherwise).
MUST_MATCH = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
              "max_locks_per_transaction")


class ReplicaError(RuntimeError):
    pass


def replica_url(primary_url: str, port: int = DEFAULT_PORT) -> str:
    """The primary's URL (user, password, database) with the replica's port on the same host."""
    parts = urlsplit(primary_url)
    credentials, _, hostport = parts.netloc.rpartition("@")
    host = hostport.rsplit(":", 1)[0] if hostport.count(":") == 1 or hostport.startswith("[") else hostport
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


class StreamingReplica:
    def __init__(self, *, primary_host: str = "127.0.0.1", primary_port: int = 5432, user: str = "postgres",
                 port: int = DEFAULT_PORT, shared_buffers: str = "128MB") -> None:
        self.primary_host, self.primary_port, self.user = primary_host, primary_port, user
        self.port, self.shared_buffers = port, shared_buffers
        self.datadir: Path | None = None
        # A physical replication slot keeps the primary's WAL until the replica has it: without one, a busy primary
        # recycles segments the replica still needs (between the copy and the start, or while it is stopped).
        self.slot = f"epty_test_replica_{port}"
        self.basebackup_seconds: float | None = None

    # --- running things as the postgres OS user -------------------------------------------------------------
    def _as_postgres(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise ReplicaError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result

    def _primary(self, sql: str) -> str:
        return subprocess.run(["psql", "-h", self.primary_host, "-p", str(self.primary_port), "-U", self.user,
                               "-d", "postgres", "-XAtc", sql], capture_output=True, text=True, check=True,
                              timeout=60).stdout.strip()

    def replica_sql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", database,
                                 "-XAtc", sql], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise ReplicaError(f"replica: {sql}: {result.stderr.strip()}")
        return result.stdout.strip()

    # --- life cycle -------------------------------------------------------------------------------------------
    def create(self) -> StreamingReplica:
        """Copy the primary and start the copy as a hot standby; raises ReplicaError when it cannot."""
        if self._port_open():
            raise ReplicaError(f"port {self.port} is taken: another replica (or server) is running there")
        if self._primary("SHOW wal_level") not in {"replica", "logical"}:
            raise ReplicaError("the primary runs with wal_level=minimal: it cannot feed a streaming replica")
        self._drop_slot()  # one left by a run that was killed
        postgres = pwd.getpwnam("postgres")
        self.datadir = Path(tempfile.mkdtemp(prefix="epty-replica-"))
        os.chown(self.datadir, postgres.pw_uid, postgres.pw_gid)
        os.chmod(self.datadir, 0o700)
        started = time.perf_counter()
        # -c fast: do not wait for the primary's next spread checkpoint; -R: standby.signal and primary_conninfo.
        self._as_postgres(str(PG_BIN / "pg_basebackup"), "-h", self.primary_host, "-p", str(self.primary_port),
                          "-U", self.user, "-D", str(self.datadir), "-R", "-X", "stream", "-c", "fast",
                          "-C", "-S", self.slot, timeout=1800)
        self.basebackup_seconds = time.perf_counter() - started
        # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy has none. Give it its own, small.
        settings = {name: self._primary(f"SHOW {name}") for name in MUST_MATCH}
        conf = [f"port = {self.port}", "listen_addresses = '127.0.0.1'", f"unix_socket_directories = '{self.datadir}'",
                f"shared_buffers = {self.shared_buffers}", "work_mem = 16MB", "maintenance_work_mem = 32MB",
                "effective_cache_size = 1GB", "hot_standby = on", "hot_standby_feedback = on",
                "logging_collector = off", "log_min_messages = warning", "wal_receiver_status_interval = 1s",
                "max_standby_streaming_delay = 5s", *(f"{name} = {value}" for name, value in settings.items())]
        (self.datadir / "postgresql.conf").write_text("\n".join(conf) + "\n")
        (self.datadir / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (self.datadir / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            os.chown(self.datadir / name, postgres.pw_uid, postgres.pw_gid)
        self.start()
        return self

    def start(self) -> None:
        assert self.datadir is not None
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.datadir / "server.log"),
                          "-w", "-t", "300", "start", timeout=360)
        self.wait_caught_up(timeout=300)

    def stop(self) -> None:
        if self.datadir is not None and (self.datadir / "postmaster.pid").exists():
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop",
                              check=False, timeout=120)

    def destroy(self) -> None:
        self.stop()
        if self.datadir is not None:
            shutil.rmtree(self.datadir, ignore_errors=True)
            self.datadir = None
        self._drop_slot()

    def _drop_slot(self) -> None:
        self._primary(f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                      f"WHERE slot_name = '{self.slot}' AND NOT active")

    def log(self) -> str:
        path = (self.datadir or Path("/nonexistent")) / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # --- replication state ------------------------------------------------------------------------------------
    def wait_caught_up(self, *, timeout: float = 60) -> float:
        """Wait until the replica has replayed everything the primary has written so far; returns the seconds."""
        target = self._primary("SELECT pg_current_wal_lsn()")
        started = time.monotonic()
        while True:
            try:
                done = self.replica_sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t"
            except ReplicaError:
                done = False
            if done:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise ReplicaError(f"the replica did not catch up with {target} in {timeout} s:\n{self.log()}")
            time.sleep(0.05)

    def pause_replay(self) -> None:
        self.replica_sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.replica_sql("SELECT pg_wal_replay_resume()")

    def _port_open(self) -> bool:
        import socket

        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "url":
        print(replica_url(os.environ["DATABASE_URL"], int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_PORT))
    else:
        sys.exit(__doc__)

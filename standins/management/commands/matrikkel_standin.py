"""The Matrikkelen stand-in: loopback servers that speak like Kartverket, serving generated data.

    python manage.py matrikkel_standin --load --count 20000 --seed 42   # demo data through the real sync path
    python manage.py matrikkel_standin --serve --port 8089              # serve until Ctrl-C

`--load` starts the stand-in in this process and
1. runs a full Matrikkelen sync against it over SOAP on loopback (the same code that reads the
   real Matrikkel API; the facts are marked synthetic), then writes what the real API does not
   have: the demo's feature tags, bedrooms, estimates and sales history;
2. imports the real open address register of Elverum through the stand-in's download feed (the
   same path a production operator's weekly refresh takes), and gives those real properties
   generated building facts, tags, estimates and sales, each marked synthetic.
Idempotent: a second run changes nothing.
"""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from properties.management.progress import progress_bar
from properties.matrikkelen.opendata import matrikkel_open_data_sync
from properties.matrikkelen.soap import SoapSource
from properties.matrikkelen.sync import matrikkel_sync
from properties.models import FactSource, SyncRun
from standins.matrikkel.dataset import Dataset
from standins.matrikkel.demo_facts import demo_facts_load, register_demo_facts_load
from standins.matrikkel.rest import FEED_PATH
from standins.matrikkel.runtime import REAL_MUNICIPALITIES
from standins.matrikkel.server import StandinServer


class Command(BaseCommand):
    help = "Run the Matrikkelen stand-in, or load demo data through it with the sync."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--load", action="store_true", help="Full sync from an in-process stand-in, then demo facts.")
        mode.add_argument("--serve", action="store_true", help="Serve on 127.0.0.1:--port until interrupted.")
        parser.add_argument("--count", type=int, default=None, help="Properties (default MATRIKKEL_STANDIN_COUNT).")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--port", type=int, default=8089)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *, load: bool, serve: bool, count: int | None, seed: int, port: int, no_progress: bool,
               **options) -> None:
        from django.conf import settings

        count = count or settings.MATRIKKEL_STANDIN_COUNT
        if serve:
            server = StandinServer(
                Dataset(count=count, seed=seed, exclude_municipalities=REAL_MUNICIPALITIES), port=port
            )
            self.stdout.write(f"Matrikkel API stand-in at {server.soap_base_url} (WSDL: "
                              f"{server.soap_base_url}StoreServiceWS?WSDL), open APIs at {server.rest_base_url}")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                server.stop()
            return
        started = time.monotonic()
        server = StandinServer(Dataset(count=count, seed=seed, exclude_municipalities=REAL_MUNICIPALITIES)).start()
        try:
            self._load(server, count, seed, no_progress, started)
        finally:
            server.stop()

    def _load(self, server: StandinServer, count: int, seed: int, no_progress: bool, started: float) -> None:
        source = SoapSource(base_url=server.soap_base_url, username="", password="", name="standin",
                            fact_source=FactSource.DEMO)
        bar = progress_bar(self.stderr, total=count, unit=" properties", disable=no_progress)
        run = matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, progress=lambda phase, n: bar.update(n))
        bar.close()
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"Sync from the stand-in failed: {run.errors[-1:]}")
        bar = progress_bar(self.stderr, total=count, unit=" demo facts", disable=no_progress)
        counts = demo_facts_load(dataset=server.dataset, progress=bar.update)
        bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"Generated catalogue loaded through the Matrikkelen sync in {time.monotonic() - started:,.1f} s: "
            f"{run.created:,} created, {run.updated:,} updated, {run.unchanged:,} unchanged; synthetic facts on "
            f"{counts['facts']:,} properties, {counts['estimates']:,} demo estimates, {counts['sales']:,} demo sales "
            f"sent (duplicates ignored)."))
        for municipality in sorted(REAL_MUNICIPALITIES):
            started = time.monotonic()
            real = self._load_register(server, municipality, no_progress)
            counts = register_demo_facts_load(municipality=municipality, seed=seed)
            self.stdout.write(self.style.SUCCESS(
                f"Real open address register of {municipality} loaded through the download feed in "
                f"{time.monotonic() - started:,.1f} s: {real.created:,} created, {real.updated:,} updated, "
                f"{real.unchanged:,} unchanged; generated building facts on {counts['facts']:,} of them "
                f"(marked synthetic), {counts['estimates']:,} demo estimates, {counts['sales']:,} demo sales sent."))

    def _load_register(self, server: StandinServer, municipality: str, no_progress: bool) -> SyncRun:
        """The real open address register of one municipality, through the stand-in's download feed."""
        bar = progress_bar(self.stderr, unit=" addresses", disable=no_progress)
        real = matrikkel_open_data_sync(
            municipality=municipality,
            feed_url=server.rest_base_url.rstrip("/") + FEED_PATH,
            progress=lambda phase, n: bar.update(n),
            on_split=lambda rows: setattr(bar, "total", rows),
        )
        bar.close()
        if real.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"Import of the open address register failed: {real.errors[-1:]}")
        return real

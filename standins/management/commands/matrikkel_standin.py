"""The Matrikkelen stand-in: loopback servers that speak like Kartverket, serving generated data.

    python manage.py matrikkel_standin --load --count 20000 --seed 42   # demo data through the real sync path
    python manage.py matrikkel_standin --serve --port 8089              # serve until Ctrl-C

`--load` starts the stand-in in this process and runs a full Matrikkelen sync against it over
SOAP on loopback (the same code that reads the real Matrikkel API; the facts are marked
synthetic), then writes what the real API does not have: the demo's feature tags, bedrooms,
estimates and sales history. Idempotent: a second run changes nothing.
"""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from properties.matrikkelen.sync import matrikkel_sync
from properties.models import FactSource, SyncRun
from properties.matrikkelen.soap import SoapSource
from standins.matrikkel.dataset import Dataset
from standins.matrikkel.demo_facts import demo_facts_load
from standins.matrikkel.runtime import embedded_standin
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
            server = StandinServer(Dataset(count=count, seed=seed), port=port)
            self.stdout.write(f"Matrikkel API stand-in at {server.soap_base_url} (WSDL: "
                              f"{server.soap_base_url}StoreServiceWS?WSDL), open APIs at {server.rest_base_url}")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                server.stop()
            return
        started = time.monotonic()
        server = embedded_standin(count=count, seed=seed)
        source = SoapSource(base_url=server.soap_base_url, username="", password="", name="standin",
                            fact_source=FactSource.DEMO)
        bar = tqdm(total=count, unit=" properties", disable=no_progress, file=self.stderr._out, dynamic_ncols=True)
        run = matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, progress=lambda phase, n: bar.update(n))
        bar.close()
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"Sync from the stand-in failed: {run.errors[-1:]}")
        bar = tqdm(total=count, unit=" demo facts", disable=no_progress, file=self.stderr._out, dynamic_ncols=True)
        counts = demo_facts_load(dataset=server.dataset, progress=bar.update)
        bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"Loaded through the Matrikkelen sync in {time.monotonic() - started:,.1f} s: {run.created:,} created, "
            f"{run.updated:,} updated, {run.unchanged:,} unchanged; synthetic facts on {counts['facts']:,} properties, "
            f"{counts['estimates']:,} demo estimates, {counts['sales']:,} demo sales sent (duplicates ignored)."))

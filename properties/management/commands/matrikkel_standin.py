"""The Matrikkelen stand-in: loopback servers that speak like Kartverket, serving generated data.

    python manage.py matrikkel_standin --load --count 20000 --seed 42   # demo data through the real sync path
    python manage.py matrikkel_standin --serve --port 8089              # serve until Ctrl-C

`--load` starts the stand-in in this process, runs a full Matrikkelen sync against it over
SOAP on loopback (the same code that reads the real Matrikkel API), then records the demo
sales history, which is not Matrikkelen data. Idempotent: a second run changes nothing.
"""
from __future__ import annotations

import time
from typing import TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from properties.matrikkelen.soap import SoapSource
from properties.matrikkelen.standin.dataset import Dataset
from properties.matrikkelen.standin.runtime import embedded_standin
from properties.matrikkelen.standin.server import StandinServer
from properties.matrikkelen.sync import matrikkel_sync
from properties.models import Property, SyncRun
from properties.services import property_sales_record_many
from standins import demo


class Command(BaseCommand):
    help = "Run the Matrikkelen stand-in, or load demo data through it with the sync."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--load", action="store_true", help="Full sync from an in-process stand-in, then demo sales.")
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
        source = SoapSource(base_url=server.soap_base_url, username="", password="")
        bar = tqdm(total=count, unit=" properties", disable=no_progress, file=cast(TextIO, self.stderr._out),
                   dynamic_ncols=True)
        run = matrikkel_sync(kind=SyncRun.Kind.FULL, source=source, progress=lambda phase, n: bar.update(n))
        bar.close()
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"Sync from the stand-in failed: {run.errors[-1:]}")
        sales = 0
        for chunk in demo.generate(count, seed):
            ids = dict(Property.objects.filter(external_id__in={s["external_id"] for s in chunk.sales})
                       .values_list("external_id", "id"))
            sales += property_sales_record_many(sales=[
                {"property_id": ids[s.pop("external_id")], **s} for s in chunk.sales if s["external_id"] in ids])
        self.stdout.write(self.style.SUCCESS(
            f"Loaded through the Matrikkelen sync in {time.monotonic() - started:,.1f} s: {run.created:,} created, "
            f"{run.updated:,} updated, {run.unchanged:,} unchanged; {sales:,} demo sales sent (duplicates ignored)."))

"""Load a synthetic Norway (standins.demo) through the catalogue services.

    python manage.py generate_demo --count 20000 --seed 42 [--sales N] [--batch-size 5000]

Idempotent: a second run with the same arguments changes nothing (properties are upserted by
external id, duplicate sales are ignored, and estimates are written only where they differ).
"""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from properties.models import Property
from properties.services import (
    UpsertResult,
    property_estimates_set,
    property_sales_record_many,
    property_upsert_many,
)
from standins import demo


def _changed_estimates(chunk: demo.DemoChunk, ids: dict[str, int]) -> list[tuple[int, int, int, int]]:
    """The chunk's estimates as (pk, estimate, low, high), leaving out those already stored."""
    first = chunk.properties[0]["matrikkelenhet_id"]
    stored = {
        external_id: (estimate, low, high, source)
        for external_id, estimate, low, high, source in Property.objects.filter(
            matrikkelenhet_id__gte=first, matrikkelenhet_id__lt=first + len(chunk.properties),
        ).values_list("external_id", "estimate", "estimate_low", "estimate_high", "estimate_source")
    }
    return [
        (ids[external_id], estimate, low, high)
        for external_id, estimate, low, high in chunk.estimates
        if stored.get(external_id) != (estimate, low, high, demo.SOURCE)
    ]


class Command(BaseCommand):
    help = "Generate deterministic synthetic properties, sales and demo estimates (source='demo')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=20_000, help="Number of properties.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed; same seed, same data.")
        parser.add_argument("--sales", type=int, default=None, help="Number of sales (default: --count).")
        parser.add_argument("--batch-size", type=int, default=5_000, help="Rows per database batch.")

    def handle(self, *, count: int, seed: int, sales: int | None, batch_size: int, **options) -> None:
        started = time.monotonic()
        total = UpsertResult()
        sales_sent = estimates_written = done = 0
        for chunk in demo.generate(count, seed, sales=sales):
            # New properties are inserted with their demo estimate in the same write;
            # existing ones keep theirs unless it differs (below).
            first_estimates = {
                external_id: (estimate, low, high) for external_id, estimate, low, high in chunk.estimates
            }
            for row in chunk.properties:
                estimate, low, high = first_estimates[row["external_id"]]
                row.update(estimate=estimate, estimate_low=low, estimate_high=high, estimate_source=demo.SOURCE)
            result = property_upsert_many(rows=chunk.properties, batch_size=batch_size)
            ids = result.ids
            result.ids = {}  # keep memory bounded: ids are only needed for this chunk
            total += result
            sales_sent += property_sales_record_many(
                sales=[
                    {"property_id": ids[sale.pop("external_id")], **sale}
                    for sale in chunk.sales
                ],
                batch_size=batch_size,
            )
            estimates_written += property_estimates_set(
                estimates=_changed_estimates(chunk, ids), source=demo.SOURCE, batch_size=batch_size)
            done += len(chunk.properties)
            elapsed = time.monotonic() - started
            self.stdout.write(f"{done:>10,} / {count:,} properties  ({done / elapsed:,.0f} rows/s)")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Done in {elapsed:,.1f} s: {total.created:,} created, {total.updated:,} updated, "
            f"{total.unchanged:,} unchanged; {sales_sent:,} sales sent (duplicates ignored); "
            f"{estimates_written:,} estimates written."
        ))

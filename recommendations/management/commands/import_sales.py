"""Import recorded sales from any CSV file with a column mapping, and print a validation report.

    python manage.py import_sales sales.csv --map "external_id=Matrikkel,price=Pris,sold_on=Dato" [--dry-run]

Every row that is not imported is listed with its reason; nothing is dropped silently.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.valuation import services
from recommendations.valuation.csvdata import MappingError, parse_mapping, read_sales_csv


class Command(BaseCommand):
    help = "Import recorded sales from a CSV file (column mapping), with a report of every bad row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--map", required=True, dest="mapping",
                            help="field=column pairs, e.g. external_id=Matrikkel,price=Pris,sold_on=Dato")
        parser.add_argument("--source", default="import", help="Stored as the sales' source.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")

    def handle(self, *, file: str, mapping: str, source: str, dry_run: bool, **options) -> None:
        try:
            data = read_sales_csv(file, parse_mapping(mapping))
        except (MappingError, OSError) as exc:
            raise CommandError(str(exc)) from None
        result = services.sales_import(data=data, source=source[:40], dry_run=dry_run)
        out = self.stdout.write
        out(f"Rows in file:        {data.total:,}")
        out(f"Imported:            {result['recorded']:,}" + (f" (dry run: {result['would_record']:,} would be)"
                                                               if dry_run else ""))
        out(f"Already recorded:    {result['already_recorded']:,}")
        out(f"Bad rows:            {len(data.bad) - result['already_recorded']:,}")
        for warning in data.warnings:
            out(f"Warning: {warning}")
        if data.bad:
            out("\nBy reason:")
            for code, count in sorted(data.reasons().items(), key=lambda item: -item[1]):
                out(f"  {code:<24} {count:,}")
            out("\nRows not imported:")
            for bad in data.bad:
                out(f"  line {bad.line}: {bad.code}: {bad.reason}")
        accounted = result["would_record"] + len(data.bad)
        if accounted != data.total:
            raise CommandError(f"Internal error: {data.total - accounted} rows unaccounted for.")
        self.stdout.write(self.style.SUCCESS("Done."))

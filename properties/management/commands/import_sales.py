"""Import recorded sales from a sales file with a column mapping, after saying how every column was read.

    python manage.py import_sales sales.csv --map "external_id=Matrikkel,price=Pris,sold_on=Dato" [--dry-run] [--json]

The file may be CSV (any of ; , tab |), .gz, .zip or .xlsx; see properties/sales/. A column that reads two ways
stops the import with the option that settles it (--decimal, --date-format). Skipped rows are counted per reason
and the first 20 are listed with their lines; nothing is dropped silently.
"""
from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from properties.sales.command import add_reading_arguments, sales_file_from_options
from properties.sales.services import sales_import


class Command(BaseCommand):
    help = "Import recorded sales from a CSV/xlsx file (column mapping), saying how each column was read."

    def add_arguments(self, parser: CommandParser) -> None:
        add_reading_arguments(parser)
        parser.add_argument("--source", default="import", help="Stored as the sales' source.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the report as JSON.")

    def handle(self, *args, **options) -> None:
        data = sales_file_from_options(options, need_key=True)
        dry_run = options["dry_run"]
        out = self.stdout.write
        if not options["as_json"]:
            for line in data.reading_lines():
                out(line)
        try:
            result = sales_import(data=data, source=options["source"][:40], dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        skipped = len(data.skipped) + len(result.skipped)
        if result.would_record + skipped != data.total:
            raise CommandError(f"Internal error: {data.total - result.would_record - skipped} rows unaccounted for.")
        if options["as_json"]:
            out(json.dumps({"input": data.summary(result.skipped), "imported": result.recorded,
                            "would_import": result.would_record, "already_recorded": result.already_recorded,
                            "dry_run": dry_run}, indent=2, ensure_ascii=False, default=str))
            return
        out(f"Rows in file:        {data.total:,}")
        out(f"Imported:            {result.recorded:,}" + (f" (dry run: {result.would_record:,} would be)"
                                                           if dry_run else ""))
        out(f"Already recorded:    {result.already_recorded:,}")
        out(f"Bad rows:            {skipped - result.already_recorded:,}")
        for line in data.skipped_lines(result.skipped):
            out(line)
        self.stdout.write(self.style.SUCCESS("Done."))

"""Run the valuation pipeline (features, training, time-based hold-out) on any sales CSV; no database.

    python manage.py valuation_backtest sales.csv [--json] \\
        --map "price=Pris,sold_on=Dato,usable_area=BRA,district=Bydel"

The file is read by properties.sales (CSV, .gz, .zip, .xlsx; --decimal, --date-format, --delimiter, --encoding,
--sheet settle what it cannot decide); how each column was read is printed before training.
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from properties.sales.command import add_reading_arguments, sales_file_from_options
from recommendations.valuation.errors import NotEnoughSales
from recommendations.valuation.frame import from_sales_file
from recommendations.valuation.report import metrics_text
from recommendations.valuation.services import valuation_evaluate


class Command(BaseCommand):
    help = "Train and evaluate the valuation model on a sales CSV (time-based hold-out); prints the metrics."

    def add_arguments(self, parser: CommandParser) -> None:
        add_reading_arguments(parser)
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the metrics as JSON.")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *, as_json: bool, seed: int, **options) -> None:
        data = sales_file_from_options(options)
        frame = from_sales_file(data)
        progress = None if as_json else self.stdout.write
        if progress:
            for line in data.reading_lines() + data.skipped_lines():
                progress(line)
        try:
            _, metrics = valuation_evaluate(frame=frame, seed=seed, progress=progress)
        except NotEnoughSales as exc:
            raise CommandError(exc.message) from None
        metrics.pop("sample", None)
        metrics["input"] = data.summary()
        if as_json:
            self.stdout.write(json.dumps(metrics, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(metrics_text(metrics))

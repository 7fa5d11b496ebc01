"""Run the valuation pipeline (features, training, time-based hold-out) on any sales CSV; no database.

    python manage.py valuation_backtest sales.csv --map "price=Pris,sold_on=Dato,usable_area=BRA,district=Bydel" [--json]
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.valuation.errors import NotEnoughSales
from recommendations.valuation.report import metrics_text
from recommendations.valuation.services import valuation_evaluate
from recommendations.valuation.csvdata import MappingError, frame_from_csv, parse_mapping, read_sales_csv


class Command(BaseCommand):
    help = "Train and evaluate the valuation model on a sales CSV (time-based hold-out); prints the metrics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--map", required=True, dest="mapping",
                            help="field=column pairs; required price and sold_on; unknown names are extra features")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the metrics as JSON.")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *, file: str, mapping: str, as_json: bool, seed: int, **options) -> None:
        try:
            data = read_sales_csv(file, parse_mapping(mapping))
        except (MappingError, OSError) as exc:
            raise CommandError(str(exc)) from None
        frame = frame_from_csv(data)
        progress = None if as_json else self.stdout.write
        if progress:
            progress(f"{data.total:,} rows; {frame.n:,} usable; {len(data.bad):,} skipped "
                     f"({', '.join(f'{k} {v}' for k, v in data.reasons().items()) or 'none'})")
            for warning in data.warnings:
                progress(f"Warning: {warning}")
            if data.extra_numeric or data.extra_text:
                progress(f"extra features: numeric {data.extra_numeric}, categorical {data.extra_text}")
        try:
            _, metrics = valuation_evaluate(frame=frame, seed=seed, progress=progress)
        except NotEnoughSales as exc:
            raise CommandError(exc.message) from None
        metrics.pop("sample", None)
        metrics["input"] = {"rows": data.total, "used": frame.n, "skipped": data.reasons(),
                            "extra_numeric": data.extra_numeric, "extra_categorical": data.extra_text,
                            "warnings": data.warnings}
        if as_json:
            self.stdout.write(json.dumps(metrics, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(metrics_text(metrics))

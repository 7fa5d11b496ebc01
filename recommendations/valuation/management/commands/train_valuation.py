"""Train a valuation model on every recorded sale, evaluate it on the newest 20 %, register a version.

    python manage.py train_valuation [--activate | --activate-if-not-worse] [--seed 0] [--json]
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from recommendations.valuation import selectors, services
from recommendations.valuation.report import metrics_text


class Command(BaseCommand):
    help = "Train, evaluate (time-based hold-out) and register a valuation model version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=0)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--activate", action="store_true", help="Activate the new version and write estimates.")
        group.add_argument("--activate-if-not-worse", action="store_true",
                           help="Activate only if not worse than the active version on the same hold-out.")
        parser.add_argument("--json", action="store_true", help="Print the hold-out metrics as JSON.")

    def handle(self, *, seed: int, activate: bool, activate_if_not_worse: bool, json: bool, **options) -> None:
        say = self.stdout.write
        if activate_if_not_worse:
            version, activated, comparison = services.valuation_train_and_maybe_activate(
                activate_if_not_worse=True, progress=say, enqueue=False)
            if comparison:
                say(f"compared on the same hold-out: {comparison}")
            say(f"{version.label} {'activated' if activated else 'NOT activated: worse than the active version'}")
        else:
            version = services.valuation_train(frame=selectors.sales_frame(), seed=seed, progress=say)
            activated = activate
            if activate:
                services.valuation_version_activate(version=version, enqueue=False)
        if json:
            self.stdout.write(_json(version.metrics))
        else:
            self.stdout.write(metrics_text(version.metrics))
        if activated:
            n = services.valuation_estimates_write(version_id=version.pk, progress=say)
            say(f"{n:,} estimates written by {version.label}")
        self.stdout.write(self.style.SUCCESS(f"{version.label} trained in {version.training_seconds:.1f} s"))


def _json(metrics: dict) -> str:
    return json.dumps({k: v for k, v in metrics.items() if k != "sample"}, indent=2, ensure_ascii=False)

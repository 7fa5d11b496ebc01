"""Write estimates for every property with the active valuation version (or --version N, which is activated).

    python manage.py estimate_properties [--version N] [--batch-size 50000]
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.valuation import selectors, services
from recommendations.valuation.models import ValuationModelVersion


class Command(BaseCommand):
    help = "Value every property with the active model version and store estimate, low, high."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--version", type=int, default=None, help="Activate this version first.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *, version: int | None, batch_size: int | None, **options) -> None:
        if version is not None:
            try:
                target = ValuationModelVersion.objects.get(version=version)
            except ValuationModelVersion.DoesNotExist:
                raise CommandError(f"No valuation version {version}.") from None
            services.valuation_version_activate(version=target, enqueue=False)
        active = selectors.valuation_version_active()
        if active is None:
            raise CommandError("No active valuation version: run train_valuation --activate first.")
        n = services.valuation_estimates_write(version_id=active.pk, batch_size=batch_size, progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"{n:,} estimates written by {active.label}"))

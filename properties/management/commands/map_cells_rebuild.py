"""python manage.py map_cells_rebuild: count every active property into the map's grid cells now."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from properties.search.services import map_cells_rebuild


class Command(BaseCommand):
    help = "Rebuild the map's pre-aggregated cells (Celery beat does it every MAP_CELLS_REFRESH_MINUTES)."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        cells = map_cells_rebuild()
        self.stdout.write(f"{cells:,} map cells in {time.perf_counter() - started:.1f} s")

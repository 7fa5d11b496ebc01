"""Market trends: SSB's PxWeb API (price index, price per m²) and an index from epty's own sales."""
from . import tasks  # noqa: F401  (registers the Celery task; tasks.py imports nothing else at load time)

"""Settings for valuation (imported by base.py)."""
from pathlib import Path

from .env import env, env_int

_PROJECT_DIR = Path(__file__).resolve().parent.parent.parent

# Trained model artifacts (joblib); only files this app wrote, with a checksum in the registry, are loaded.
VALUATION_MODEL_DIR = Path(env("VALUATION_MODEL_DIR", str(_PROJECT_DIR / "var" / "models")))
VALUATION_HOLDOUT_SHARE = 0.2  # newest 20 % of sales are the hold-out
VALUATION_ESTIMATE_BATCH = env_int("VALUATION_ESTIMATE_BATCH", 50_000)
# Database connections writing estimates at once: the write is bound by PostgreSQL index upkeep, one core each.
VALUATION_ESTIMATE_WORKERS = env_int("VALUATION_ESTIMATE_WORKERS", 2)
VALUATION_COMPARABLES_YEARS = 3  # "recent" sales for comparables

VALUATION_RETRAIN_SCHEDULED = True  # Celery beat retrains weekly and activates a version that is not worse

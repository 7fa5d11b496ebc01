"""Settings for valuation (imported by base.py)."""
from pathlib import Path

from celery.schedules import crontab

from .base import BASE_DIR, CELERY_BEAT_SCHEDULE
from .env import env, env_int

# Trained model artifacts (joblib); only files this app wrote, with a checksum in the registry, are loaded.
VALUATION_MODEL_DIR = Path(env("VALUATION_MODEL_DIR", str(BASE_DIR / "var" / "models")))
VALUATION_HOLDOUT_SHARE = 0.2  # newest 20 % of sales are the hold-out
VALUATION_ESTIMATE_BATCH = env_int("VALUATION_ESTIMATE_BATCH", 50_000)
# Database connections writing estimates at once: the write is bound by PostgreSQL index upkeep, one core each.
VALUATION_ESTIMATE_WORKERS = env_int("VALUATION_ESTIMATE_WORKERS", 2)
VALUATION_COMPARABLES_YEARS = 3  # "recent" sales for comparables

CELERY_BEAT_SCHEDULE.update({
    "valuation-weekly-retrain": {
        "task": "recommendations.tasks.valuation_train_task",
        "schedule": crontab(minute=30, hour=3, day_of_week="sunday"),
        "kwargs": {"activate_if_not_worse": True},
    },
})

"""Settings for matrikkelen (imported by base.py)."""

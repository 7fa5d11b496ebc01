"""Settings for valuation (imported by base.py)."""

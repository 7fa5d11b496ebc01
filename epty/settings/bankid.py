"""Settings for bankid (imported by base.py)."""

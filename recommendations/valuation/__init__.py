"""Valuation: a scikit-learn model of every property's value, its registry, estimates and explanations."""

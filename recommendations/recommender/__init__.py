"""The recommender: preferences → indexed candidates → scored, diversified, explained results."""

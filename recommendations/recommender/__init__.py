"""The F9 recommender: preferences → indexed candidates → scored, diversified, explained results."""

"""Recommender and market trends. Variables are declared in env.py."""
from __future__ import annotations

from .env import env, env_int

# Hard budget constraint: a property's estimate may lie this fraction outside the asked range.
RECOMMENDER_BUDGET_TOLERANCE = float(env("RECOMMENDER_BUDGET_TOLERANCE", "0.10"))
# At most this many locations (municipality or county names) per request.
RECOMMENDER_MAX_LOCATIONS = env_int("RECOMMENDER_MAX_LOCATIONS", 10)
# Candidates read from the database per request before scoring (bounded; indexed filters).
RECOMMENDER_CANDIDATES = 1500
# Results returned by default, and at most.
RECOMMENDER_DEFAULT_LIMIT = 10
RECOMMENDER_MAX_LIMIT = 50
# Saved properties, saved searches and history entries read to personalise (newest first).
RECOMMENDER_PROFILE_SAVED = 200
RECOMMENDER_PROFILE_SEARCHES = 50

# SSB's open PxWeb API (Statistisk sentralbyrå, NLOD). Unset or unreachable: the recorded response.
SSB_BASE_URL = (env("SSB_BASE_URL", "https://data.ssb.no/api/v0/no/table/") or "").rstrip("/") + "/"
SSB_TIMEOUT = float(env("SSB_TIMEOUT", "15"))
# Seconds an SSB answer is reused from the cache before it is asked again.
SSB_CACHE_TTL = env_int("SSB_CACHE_TTL", 12 * 3600)
# Platform index: a region-quarter needs this many sales to be published.
MARKET_MIN_SALES = 20
# Hour (Europe/Oslo) of the daily market trends refresh; -1 turns the schedule off.
MARKET_TRENDS_REFRESH_HOUR = env_int("MARKET_TRENDS_REFRESH_HOUR", 4)

MARKET_TRENDS_REFRESH_SCHEDULED = MARKET_TRENDS_REFRESH_HOUR >= 0

"""Settings for matrikkelen (imported by base.py): the Kartverket clients, their cache and the sync."""
from .env import env, env_int, env_list

# Where property facts come from: "soap" (the Matrikkel API, needs an agreement), "rest"
# (Kartverket's open APIs) or "standin" (the loopback stand-in serving generated data; the
# embedded default, started in-process by `manage.py matrikkel_standin`).
MATRIKKEL_SOURCE = env("MATRIKKEL_SOURCE", "standin")
MATRIKKEL_BASE_URL = env("MATRIKKEL_BASE_URL", "https://prodtest.matrikkel.no/matrikkelapi/wsapi/v1/")
MATRIKKEL_REST_BASE_URL = env("MATRIKKEL_REST_BASE_URL", "https://api.kartverket.no/")
MATRIKKEL_USERNAME = env("MATRIKKEL_USERNAME", "")
MATRIKKEL_PASSWORD = env("MATRIKKEL_PASSWORD", "")
MATRIKKEL_CLIENT_ID = "epty"
MATRIKKEL_SYSTEM_VERSION = "trunk"
MATRIKKEL_COORDINATE_SYSTEM = 11  # koordinatsystemKodeId 11 = EUREF89 UTM 33 (EPSG:25833)
MATRIKKEL_TIMEOUT = float(env("MATRIKKEL_TIMEOUT", "20"))  # seconds per HTTP call
MATRIKKEL_RETRIES = env_int("MATRIKKEL_RETRIES", 4)
MATRIKKEL_RETRY_BASE_DELAY = 0.5  # seconds; doubled each attempt, full jitter
MATRIKKEL_RETRY_MAX_DELAY = 30.0
MATRIKKEL_BREAKER_THRESHOLD = 5  # consecutive failed calls that open the circuit
MATRIKKEL_BREAKER_COOLDOWN = env_int("MATRIKKEL_BREAKER_COOLDOWN", 60)  # seconds the circuit stays open
MATRIKKEL_CACHE_TTL = env_int("MATRIKKEL_CACHE_TTL", 24 * 3600)  # fresh for this long, then served stale and refreshed
MATRIKKEL_CACHE_STALE_TTL = 30 * 24 * 3600  # how long an old copy is kept to answer while Kartverket is down
MATRIKKEL_CACHE_NEGATIVE_TTL = env_int("MATRIKKEL_CACHE_NEGATIVE_TTL", 60)  # "not found" is remembered this long
MATRIKKEL_SYNC_BATCH_SIZE = env_int("MATRIKKEL_SYNC_BATCH_SIZE", 2000)  # matrikkelenheter per transaction
MATRIKKEL_SYNC_INTERVAL_MINUTES = env_int("MATRIKKEL_SYNC_INTERVAL_MINUTES", 10)
# Kartverket's open address register ("Matrikkelen - Adresse"): the download feed, which municipalities
# (empty: the national file) and how often production refreshes it (MATRIKKEL_SOURCE=rest).
MATRIKKEL_OPEN_DATA_FEED_URL = env(
    "MATRIKKEL_OPEN_DATA_FEED_URL", "https://nedlasting.geonorge.no/geonorge/ATOM-feeds/MatrikkelenAdresse_AtomFeedCSV.xml")
MATRIKKEL_OPEN_DATA_MUNICIPALITIES = env_list("MATRIKKEL_OPEN_DATA_MUNICIPALITIES")
MATRIKKEL_OPEN_DATA_INTERVAL_DAYS = env_int("MATRIKKEL_OPEN_DATA_INTERVAL_DAYS", 7)
MATRIKKEL_STANDIN_COUNT = env_int("MATRIKKEL_STANDIN_COUNT", 20000)  # properties the embedded stand-in serves
# MATRIKKEL_SOURCE=standin builds its source with this (the `standins` app, installed in development only).
MATRIKKEL_STANDIN_SOURCE = "standins.matrikkel.runtime.standin_source"
MATRIKKEL_STANDIN_READERS = {"unit": "standins.matrikkel.runtime.standin_source",
                             "rest": "standins.matrikkel.runtime.standin_rest_source"}


def schedule_switches(source: str, sync_interval_minutes: int, open_data_interval_days: int) -> tuple[bool, bool]:
    """The one rule for which Matrikkelen job beat runs: (incremental sync, open-register refresh).

    The change log is polled every MATRIKKEL_SYNC_INTERVAL_MINUTES where there is one; Kartverket's open
    REST APIs have none (an incremental sync would only fail), so with them the open address register is
    re-imported every MATRIKKEL_OPEN_DATA_INTERVAL_DAYS instead. Zero turns a job off.
    """
    return (source != "rest" and sync_interval_minutes > 0,
            source == "rest" and open_data_interval_days > 0)


MATRIKKEL_SYNC_SCHEDULED, MATRIKKEL_OPEN_DATA_SCHEDULED = schedule_switches(
    MATRIKKEL_SOURCE, MATRIKKEL_SYNC_INTERVAL_MINUTES, MATRIKKEL_OPEN_DATA_INTERVAL_DAYS)

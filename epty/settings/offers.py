"""Settings for offers (imported by base.py): silent bidding."""
from .env import env, env_int

# Levels of assurance (the ID token's `acr`) a login must have been made with to submit an offer;
# space-separated, any one accepted. Default: BankID's high level only.
OFFERS_REQUIRED_ACR = env("OFFERS_REQUIRED_ACR", "urn:bankid:bid;LOA=4")
# Offers (new or revised) one buyer may send in 24 hours.
OFFERS_DAILY_LIMIT = env_int("OFFERS_DAILY_LIMIT", 10)
# Sanity cap on amounts, whole NOK (exclusive).
OFFERS_AMOUNT_CAP = env_int("OFFERS_AMOUNT_CAP", 1_000_000_000)
# How long an offer stands unless the buyer says otherwise, and the longest it may stand.
OFFERS_DEFAULT_VALID_DAYS = env_int("OFFERS_DEFAULT_VALID_DAYS", 30)
OFFERS_MAX_VALID_DAYS = 180
# Page writes per user and hour on the owners' openness form and the contact-sharing answers (the API's
# equivalents are throttled by scope).
OFFERS_PAGE_WRITES_PER_HOUR = env_int("OFFERS_PAGE_WRITES_PER_HOUR", 30)
OFFERS_MESSAGE_MAX_LENGTH = 2000
OFFERS_CLAIM_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024

OFFERS_EXPIRE_SCHEDULED = True  # Celery beat expires offers past their validity every 15 minutes

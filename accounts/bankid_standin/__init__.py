"""A local BankID stand-in: a small OpenID provider served by this app under /dev/bankid/.

Development only: every view answers 404 unless DEBUG is on, no BANKID_ISSUER is set and the
settings allow it (production.py forbids it). The app logs in against it through the same
discovery, PKCE, token and ID-token checks as against BankID.
"""

"""A local BankID stand-in: a small OpenID provider served under /dev/bankid/ (standins.bankid.urls).

Development only: its URLs are routed only where the `standins` app is installed (local and test
settings), and every view answers 404 unless DEBUG is on, no BANKID_ISSUER is set and the settings
allow it. The app logs in against it through the same discovery, PKCE, token and ID-token checks as
against BankID.
"""

"""The national identity number (fødselsnummer), when BANKID_STORE_NNIN is on.

Encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256) and looked up by a keyed hash
(HMAC-SHA256), both keys derived from NNIN_SECRET with HKDF. The number itself never leaves
this module except to the caller that decrypts it; it is never logged.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from stdnum.no import fodselsnummer


def _key(purpose: bytes) -> bytes:
    secret = settings.NNIN_SECRET
    if not secret or len(secret) < 32:
        raise ImproperlyConfigured("NNIN_SECRET (at least 32 characters) is required when BANKID_STORE_NNIN is on.")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"epty-nnin", info=purpose).derive(secret.encode())


def is_valid(number: str) -> bool:
    """A real fødselsnummer, D- or H-number (python-stdnum), or a synthetic test number (month + 80)."""
    if fodselsnummer.is_valid(number):
        return True
    number = fodselsnummer.compact(number)
    if not (len(number) == 11 and number.isdigit() and 81 <= int(number[2:4]) <= 92):
        return False
    first = fodselsnummer.calc_check_digit1(number[:9])
    return first == number[9] and fodselsnummer.calc_check_digit2(number[:10]) == number[10]


def nnin_hash(number: str) -> str:
    return hmac.new(_key(b"lookup"), fodselsnummer.compact(number).encode(), hashlib.sha256).hexdigest()


def encrypt(number: str) -> str:
    return Fernet(base64.urlsafe_b64encode(_key(b"encrypt"))).encrypt(fodselsnummer.compact(number).encode()).decode()


def decrypt(token: str) -> str:
    return Fernet(base64.urlsafe_b64encode(_key(b"encrypt"))).decrypt(token.encode()).decode()

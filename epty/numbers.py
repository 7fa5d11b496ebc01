"""Whole numbers from user input, parsed one way everywhere (API bodies, query strings, forms).

Only ASCII digits count (``"²".isdigit()`` is true and ``int("٣")`` is 3; neither is a number a person
typed into epty), a thousands space or underscore is allowed where asked, and the length is bounded
before anything is converted, so a 5,000-digit "amount" is refused in constant time.
"""
from __future__ import annotations

from typing import Any

MAX_DIGITS = 18  # fits a signed 64-bit column; no amount, id or count epty stores is longer


def whole_number(value: Any, *, max_digits: int = MAX_DIGITS, separators: bool = False,
                 signed: bool = False) -> int | None:
    """``value`` as a whole number, or None when it is not one.

    Accepts an int (not a bool) or a string of ASCII digits with surrounding spaces; with
    ``separators``, also spaces and underscores between digit groups ("7 500 000"); with ``signed``,
    a leading minus (so a caller can say "out of range" rather than "not a number").
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if (signed or value >= 0) and abs(value) < 10**max_digits else None
    if not isinstance(value, str) or len(value) > max_digits * 2 + 8:
        return None
    text = value.strip()
    if separators:
        text = text.replace(" ", "").replace("\u00a0", "").replace("_", "")
    negative = signed and text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or len(digits) > max_digits or not (digits.isascii() and digits.isdigit()):
        return None
    return -int(digits) if negative else int(digits)

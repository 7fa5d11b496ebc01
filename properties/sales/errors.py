"""The one error a sales file can raise: it cannot be read as asked, with a message that says how to settle it."""
from __future__ import annotations


class SalesFileError(ValueError):
    """The file, the mapping or a column cannot be read without guessing. ``code`` is stable; the message is
    one or more lines naming the column, showing examples and the option that settles it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

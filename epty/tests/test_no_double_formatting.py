"""A message that already holds the user's text is never %-formatted again (``/?municipality=%25(x)s`` was a 500).

Django's ValidationError formats its own params when it is iterated or its ``.messages`` read; formatting
``error.message % error.params`` by hand formats a second time whatever the first one put in.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("epty", "properties", "accounts", "offers", "recommendations", "standins")
SECOND_FORMAT = re.compile(r"\.message\s*%|%\s*\(?\s*\w+\.params\b")


def test_no_code_formats_a_validation_message_by_hand():
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SECOND_FORMAT.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_pattern_catches_the_old_search_page_line():
    assert SECOND_FORMAT.search("errors = {f: [e.message % (e.params or {}) for e in errs]}")
    assert not SECOND_FORMAT.search('_("Unknown: %(v)s.") % {"v": value}')

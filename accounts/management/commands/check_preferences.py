"""List the users whose stored preferences no longer parse, with each problem and how to fix it.

    python manage.py check_preferences [--fail]

The recommender uses the valid parts of such a profile and shows the user what to correct; nothing
is changed here. User ids and the random usernames only: no names or e-mail addresses.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.selectors import users_with_invalid_preferences


class Command(BaseCommand):
    help = "List users whose stored preferences no longer parse (budget, locations, property type, amenities)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fail", action="store_true", help="Exit with an error when any are found.")

    def handle(self, *, fail: bool, **options) -> None:
        found = 0
        for pk, username, problems in users_with_invalid_preferences():
            found += 1
            for problem in problems:
                self.stdout.write(f"user {pk} ({username}): {problem.part or 'preferences'}: {problem.code}: "
                                  f"{problem.message}")
        summary = f"{found} user(s) with stored preferences that no longer parse."
        if found and fail:
            raise CommandError(summary)
        self.stdout.write(self.style.WARNING(summary) if found else self.style.SUCCESS(summary))

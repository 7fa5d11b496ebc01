"""First run of a deployment in one command (docker-compose.yml's one-shot `bootstrap` service):

1. applies the migrations;
2. creates the first staff user, BOOTSTRAP_ADMIN_USERNAME, without a password (it says how to set one: no
   secret passes through the environment or the logs);
3. loads Kartverket's open address register for MATRIKKEL_OPEN_DATA_MUNICIPALITIES (empty: the national file)
   through the download feed, as the weekly refresh does (MATRIKKEL_SOURCE=rest; skipped otherwise);
4. trains the first valuation model and activates it (writing its estimates), when there is no active
   model and there are enough recorded sales (import_sales); otherwise it says what to do;
5. refreshes the market trends.

Safe to run again: every step is idempotent. Reports how long each took."""
from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from properties.tasks import matrikkel_open_data_refresh
from recommendations.market.services import market_trends_refresh
from recommendations.valuation import selectors as valuation_selectors
from recommendations.valuation import services as valuation_services
from recommendations.valuation.errors import NotEnoughSales


class Command(BaseCommand):
    help = "First run: migrate, first staff user, open address register, first valuation model, market trends."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-register", action="store_true", help="Do not load the open address register.")
        parser.add_argument("--skip-model", action="store_true", help="Do not train the first valuation model.")

    def handle(self, *, skip_register: bool, skip_model: bool, **options) -> None:
        self.step("migrations", lambda: call_command("migrate", interactive=False, verbosity=0) or "applied")
        self.step("first staff user", self.staff_user)
        if skip_register:
            self.stdout.write("open address register: skipped (--skip-register)")
        elif settings.MATRIKKEL_SOURCE != "rest":
            self.stdout.write(f"open address register: skipped (MATRIKKEL_SOURCE={settings.MATRIKKEL_SOURCE}; "
                              "run manage.py sync_matrikkel --full)")
        else:
            self.step("open address register", self.register)
        if skip_model:
            self.stdout.write("valuation model: skipped (--skip-model)")
        else:
            self.step("valuation model", self.model)
        self.step("market trends", lambda: ", ".join(f"{k} {v}" for k, v in market_trends_refresh().items()))
        self.stdout.write(self.style.SUCCESS("bootstrap done"))

    def step(self, name: str, run: Callable[[], str]) -> None:
        started = time.monotonic()
        outcome = run()
        self.stdout.write(f"{name}: {outcome} ({time.monotonic() - started:.1f} s)")

    def staff_user(self) -> str:
        username = settings.BOOTSTRAP_ADMIN_USERNAME
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            return f"{username} exists"
        user = user_model(username=username, email=settings.BOOTSTRAP_ADMIN_EMAIL or "", is_staff=True,
                          is_superuser=True)
        user.set_unusable_password()
        user.save()
        return (f"created {username} (no password yet: manage.py changepassword {username}; with compose: "
                f"docker compose run --rm web python manage.py changepassword {username})")

    def register(self) -> str:
        scope = ", ".join(settings.MATRIKKEL_OPEN_DATA_MUNICIPALITIES) or "the national file"
        runs = matrikkel_open_data_refresh()
        return f"{scope}: sync runs {runs}"

    def model(self) -> str:
        active = valuation_selectors.valuation_version_active()
        if active is not None:
            return f"{active.label} is active"
        try:
            version, activated, _ = valuation_services.valuation_train_and_maybe_activate()
        except NotEnoughSales as exc:
            return f"not trained: {exc.message} Import sales (manage.py import_sales), then run bootstrap again."
        return f"{version.label} trained{' and activated (estimates being written)' if activated else ''}"

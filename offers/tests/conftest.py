from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory

from .factories import BuyerFactory, PropertyFactory, moderator, verified_owner


@pytest.fixture
def prop(db):
    return PropertyFactory()


@pytest.fixture
def buyer(db):
    return BuyerFactory(name="Kari Nordmann", bankid_altsub="9578-6000-4-777777", email="kari.buyer@example.no")


@pytest.fixture
def owner(prop):
    return verified_owner(prop, name="Olav Eier", email="olav.owner@example.no")


@pytest.fixture
def other(db):
    return BuyerFactory(name="Per Annen")


@pytest.fixture
def staff_without_permission(db):
    return UserFactory(is_staff=True, name="Staff Uten Rett", email="staff@example.no")


@pytest.fixture
def mod(db):
    return moderator(name="Mona Moderator")


@pytest.fixture
def mail_on_commit(monkeypatch, mailoutbox):
    """Deliver outbox e-mails as soon as they are stored (tests run inside one transaction that never
    commits, so the send after the commit never comes); the delivered mail."""
    from epty.mail import services
    from epty.mail.delivery import outbox_send

    monkeypatch.setattr(services, "_send_after_commit", lambda ids: outbox_send(ids=ids))
    return mailoutbox

"""The outbox: mail is stored with the change (or not at all), written in the recipient's language, sent
after the commit, survives a mail server that is down, and goes through a real SMTP server on loopback."""
from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts.services import user_email_change_request
from accounts.tests.factories import UserFactory
from epty.celery import app
from epty.mail.delivery import outbox_send
from epty.mail.models import OutboxMessage
from epty.mail.services import mail_enqueue

SUBJECT = gettext_lazy("Confirm your e-mail address for epty")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def eager():
    """Celery tasks run inline, as they do without a broker (CI has one: REDIS_URL)."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free loopback port, and the messages it received."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message_from_bytes(message.as_bytes(), policy=policy.default))

    port = _free_port()
    controller = Controller(Keep(message_class=None), hostname="127.0.0.1", port=port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.EMAIL_TIMEOUT = 5
    server = {"controller": controller, "received": received, "port": port}
    yield server
    if getattr(controller, "_thread", None) is not None:
        controller.stop()


@pytest.mark.django_db
def test_a_message_is_written_in_the_recipients_language_else_the_sites(settings):
    settings.LANGUAGE_CODE = "nb"
    norwegian, english, unset = (UserFactory(email=f"{n}@example.no", language=lang)
                                 for n, lang in (("nb", "nb"), ("en", "en"), ("blank", "")))
    subjects = {}
    for user in (norwegian, english, unset):
        token = user_email_change_request(user=user, email=user.email)
        message = OutboxMessage.objects.get(to=user.email)
        subjects[user.language] = message.subject
        assert f"http://testserver/accounts/profile/email/{token}/" in message.body_text  # absolute, from SITE_URL
    assert subjects["en"] == "Confirm your e-mail address for epty"
    assert subjects["nb"] != subjects["en"] and subjects[""] == subjects["nb"]
    assert not mail.outbox  # stored; sent only after the commit


@pytest.mark.django_db
def test_a_change_that_rolls_back_leaves_no_mail(django_capture_on_commit_callbacks, eager):
    user = UserFactory(email="kari@example.no")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            mail_enqueue(user=user, kind="email_confirm", subject=SUBJECT, template="emails/email_confirm.txt",
                         context={"email": user.email, "url": "http://testserver/x/"})
            raise RuntimeError("the change fails after the mail was enqueued")
    assert not OutboxMessage.objects.exists() and not mail.outbox and not callbacks


@pytest.mark.django_db
def test_after_the_commit_a_task_sends_the_stored_message(django_capture_on_commit_callbacks, eager):
    user = UserFactory(email="kari@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        message = mail_enqueue(user=user, kind="email_confirm", subject=SUBJECT, template="emails/email_confirm.txt",
                               context={"email": user.email, "url": "http://testserver/x/"})
        assert not mail.outbox
    [sent] = mail.outbox
    assert sent.to == ["kari@example.no"] and "http://testserver/x/" in sent.body
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None
    assert outbox_send() == 0  # never twice


@pytest.mark.django_db(transaction=True)
def test_confirming_an_address_while_the_mail_server_is_down_is_no_error_and_the_mail_follows(
        client, smtp_server, eager):
    """Before the outbox, an SMTP failure here was a 500. Now the request succeeds (the address change is
    committed with its message), and the message leaves once the server answers."""
    user = UserFactory(email="", language="en")
    client.force_login(user)
    response = client.post("/accounts/profile/email/", {"email": "kari@example.no"})  # the server is not running
    assert response.status_code == 302
    message = OutboxMessage.objects.get(to="kari@example.no")
    assert message.sent_at is None and message.kind == "email_confirm"

    smtp_server["controller"].start()
    assert outbox_send() == 1  # the periodic sweep (or the next send after a commit)
    [received] = smtp_server["received"]
    assert received["To"] == "kari@example.no" and received["Subject"] == "Confirm your e-mail address for epty"
    link = re.search(r"http://testserver(/accounts/profile/email/\S+/)", received.get_body(("plain",)).get_content())
    assert client.get(link.group(1)).status_code == 302
    user.refresh_from_db()
    assert user.email == "kari@example.no"
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None

"""The outbox: the one way e-mail leaves epty.

A service that wants to tell someone something calls :func:`epty.mail.services.mail_enqueue` inside
its own transaction: the message is rendered in the recipient's language and stored with the
change, or not at all. After the commit a Celery task delivers it (at once in eager mode), and a
periodic sweep delivers whatever is left (a failed server, a lost task). A message is marked sent
in the transaction that locked it once the mail server accepted it; see ``delivery.outbox_send``.
"""

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "epty.mail"
    label = "mail"
    verbose_name = "E-mail outbox"
    default_auto_field = "django.db.models.BigAutoField"

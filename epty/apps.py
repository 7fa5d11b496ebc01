from django.apps import AppConfig


class EptyConfig(AppConfig):
    """The project package as an app: its operations commands (manage.py bootstrap). It has no models."""

    name = "epty"
    verbose_name = "epty"

from django.apps import AppConfig


class StandinsConfig(AppConfig):
    name = "standins"
    verbose_name = "Development stand-ins"

from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "dunning"

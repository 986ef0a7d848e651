from django.apps import AppConfig


class PaytConfig(AppConfig):
    name = "payt"
    verbose_name = "Tenancy core"

    def ready(self) -> None:
        from payt import tenancy

        tenancy.connect_signals()

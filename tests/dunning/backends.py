"""An e-mail backend for tests that fails on demand, then delivers to Django's locmem outbox."""

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

# Errors to raise, one per send call, before sending succeeds.
planned_errors: list[Exception] = []


class FlakyBackend(LocmemBackend):
    def send_messages(self, messages):
        if planned_errors:
            raise planned_errors.pop(0)
        return super().send_messages(messages)

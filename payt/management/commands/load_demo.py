from django.core.management.base import BaseCommand

from payt.demo import DEMO_SLUG, demo_load


class Command(BaseCommand):
    help = (
        f"Load the demo organisation '{DEMO_SLUG}' with Peppol imports and a payment history. "
        "Runs once: a second call changes nothing."
    )

    def handle(self, *args, **options):
        result = demo_load()
        if result.created:
            self.stdout.write(
                f"Loaded organisation {DEMO_SLUG} in {result.seconds:.1f} s: "
                f"{result.peppol_imported} Peppol documents imported, "
                f"{result.peppol_skipped} skipped as duplicate numbers (409); "
                f"{result.debtors} debtors, {result.invoices} invoices and credit notes, "
                f"{result.payments} payments; "
                f"{result.overdue} overdue and {result.disputed} disputed today."
            )
        else:
            self.stdout.write(
                f"Organisation {DEMO_SLUG} already has its demo data; nothing changed "
                f"({result.debtors} debtors, {result.invoices} invoices and credit notes, "
                f"{result.payments} payments)."
            )
        self.stdout.write("Run `python manage.py demo_info` for the login and a portal link.")

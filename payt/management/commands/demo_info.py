from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payt.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_SLUG, demo_portal_url
from payt.models import Organization


class Command(BaseCommand):
    help = "Print the dashboard URL, the demo login and the portal link of an overdue debtor."

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            raise CommandError(
                f"Organisation {DEMO_SLUG!r} does not exist; run `manage.py load_demo` first."
            )
        portal_url = demo_portal_url(organization)
        if portal_url is None:
            raise CommandError(
                f"Organisation {DEMO_SLUG!r} has no debtor with overdue invoices; "
                "load it with `python manage.py load_demo` on a fresh database."
            )
        self.stdout.write(f"Dashboard: {settings.BASE_URL}/")
        self.stdout.write(f"Login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"Portal: {portal_url}")

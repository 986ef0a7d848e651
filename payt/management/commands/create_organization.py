from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payt.services import organization_create


class Command(BaseCommand):
    help = "Create an organisation (a creditor tenant) with its default dunning workflow."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="URL-safe short name, for example acme")
        parser.add_argument("--name", required=True, help="Display name")
        parser.add_argument("--country", default="NL", help="NL, BE, FR, DE or GB (default NL)")
        parser.add_argument("--time-zone", default=None, help="IANA time zone (default: the country's)")
        parser.add_argument("--language", default=None, help="Default debtor language: nl, en, fr or de")
        parser.add_argument("--payment-term-days", type=int, default=30, help="Default payment term in days")

    def handle(self, *args, **options):
        try:
            organization = organization_create(
                slug=options["slug"],
                name=options["name"],
                country=options["country"],
                time_zone=options["time_zone"],
                default_language=options["language"],
                payment_term_days=options["payment_term_days"],
            )
        except ValidationError as error:
            reasons = [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
            raise CommandError("; ".join(reasons)) from None
        self.stdout.write(f"Created organisation {organization.slug} ({organization.name}), id {organization.pk}")

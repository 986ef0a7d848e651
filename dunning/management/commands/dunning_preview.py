import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dunning.preview import dunning_preview
from payt.dates import local_today
from payt.models import Organization
from payt.money import format_amount


class Command(BaseCommand):
    help = (
        "Print the messages the dunning planner would send on a date (debtor, channel, step, invoices, "
        "amounts incl. costs and interest) without sending or keeping anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", required=True, help="The organisation's slug")
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="Run date (default: today in its time zone)")
        parser.add_argument("--days", type=int, default=1, help="Number of days from --date (default 1, at most 31)")

    def handle(self, *args, **options):
        organization = self._organization(options["organization"])
        first_date = self._parse_date(options["date"]) or local_today(organization)
        days = options["days"]
        if not 1 <= days <= 31:
            raise CommandError(f"--days {days} is out of range; use a number from 1 to 31.")

        for day in dunning_preview(organization=organization, first_date=first_date, days=days):
            self.stdout.write(f"{organization.slug} {day.run_date}: {len(day.messages)} messages")
            for message in day.messages:
                self._write_message(message)

    def _write_message(self, message) -> None:
        currency = message.invoices[0].currency if message.invoices else ""
        self.stdout.write(
            f"  {message.debtor_name} | {message.channel} | {message.template} | "
            f"total {currency} {format_amount(message.total)}"
        )
        for invoice in message.invoices:
            self.stdout.write(
                f"    {invoice.number}: open {format_amount(invoice.open_amount)} "
                f"costs {format_amount(invoice.costs)} interest {format_amount(invoice.interest)} "
                f"= {invoice.currency} {format_amount(invoice.total)}"
            )

    def _parse_date(self, value: str | None) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r} is not a date; use YYYY-MM-DD, for example 2025-10-08.") from None

    def _organization(self, slug: str) -> Organization:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(
                f"No organisation with slug {slug!r}; check the slug or create it with create_organization."
            )
        return organization

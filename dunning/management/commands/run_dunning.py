import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dunning.selectors import queued_message_ids
from dunning.sender import dunning_message_send
from dunning.services import dunning_run
from payt.dates import local_today
from payt.models import Organization
from payt.tenancy import tenant_context


class Command(BaseCommand):
    help = (
        "Run the dunning planner now, without Celery: plan the reminders due on a date and, "
        "with --send, send the queued messages of that date at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", help="Only this organisation (default: all)")
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="Run date (default: today in each organisation's time zone)",
        )
        parser.add_argument("--send", action="store_true", help="Send the queued messages of the run date")

    def handle(self, *args, **options):
        run_date = self._parse_date(options["date"])
        for organization in self._organizations(options["organization"]):
            date = run_date or local_today(organization)
            result = dunning_run(organization=organization, run_date=date)
            self.stdout.write(
                f"{organization.slug} {date}: actions={len(result.actions_created)} "
                f"messages={len(result.message_ids)} held_back={len(result.skipped)}"
            )
            for skipped in result.skipped:
                self.stdout.write(f"  held back {skipped.invoice_number}: {skipped.reason}")
            if options["send"]:
                self._send(organization, date)

    def _parse_date(self, value: str | None) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r} is not a date; use YYYY-MM-DD, for example 2025-10-08.") from None

    def _organizations(self, slug: str | None) -> list[Organization]:
        if slug is None:
            return list(Organization.objects.order_by("slug"))
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(
                f"No organisation with slug {slug!r}; check the slug or create it with create_organization."
            )
        return [organization]

    def _send(self, organization: Organization, date: dt.date) -> None:
        with tenant_context(organization):
            statuses = [dunning_message_send(message_id=pk) for pk in queued_message_ids(organization, date)]
        # A status of None means another worker had already claimed the message.
        counts = {str(status or "claimed_elsewhere"): statuses.count(status) for status in set(statuses)}
        summary = " ".join(f"{status}={count}" for status, count in sorted(counts.items())) or "none queued"
        self.stdout.write(f"  send results: {summary}")

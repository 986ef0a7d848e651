import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from forecasting.services import NotEnoughHistory, forecast_score, forecast_train, forecast_train_pooled
from payt.dates import local_today
from payt.models import Organization


class Command(BaseCommand):
    help = (
        "Train an organisation's payment forecast model now, without Celery, register it with its "
        "hold-out metrics and promote it if it is not worse than the current one; then score its open invoices."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", required=True, help="Slug of the organisation")
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="Train as of this date (default: today there)")
        parser.add_argument(
            "--pooled", action="store_true", help="Also train the pooled model over all organisations first"
        )
        parser.add_argument("--no-score", action="store_true", help="Do not score the open invoices afterwards")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(
                f"No organisation with slug {options['organization']!r}; check the slug or create it with "
                "create_organization."
            )
        today = self._date(options["date"]) or local_today(organization)

        if options["pooled"]:
            pooled = forecast_train_pooled(today=today)
            self.stdout.write(f"{pooled}: {pooled.decision}")
        try:
            registered = forecast_train(organization=organization, today=today)
        except NotEnoughHistory as error:
            self.stdout.write(f"{organization.slug}: no own model trained: {error}")
        else:
            self.stdout.write(f"{organization.slug}: {registered}: {registered.decision}")
            for name in ("mae_days", "coverage", "mean_width_days", "brier_on_time", "auc_on_time"):
                self.stdout.write(f"  {name}: {registered.metrics.get(name)}")
        if not options["no_score"]:
            count = forecast_score(organization=organization, run_date=today)
            self.stdout.write(f"{organization.slug}: {count} open invoices scored")

    def _date(self, value: str | None) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r} is not a date; use YYYY-MM-DD, for example 2025-10-08.") from None

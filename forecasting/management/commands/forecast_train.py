import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from forecasting.services import (
    NotEnoughHistory,
    current_model,
    forecast_score,
    forecast_train,
    forecast_train_pooled,
)
from payt.dates import local_today
from payt.models import Organization
from payt.tenancy import tenant_context


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
            self._train_pooled(today)
        too_little_history = self._train_own(organization, today)
        if not options["no_score"]:
            self._score(organization, today, too_little_history)

    def _train_pooled(self, today: dt.date) -> None:
        try:
            pooled = forecast_train_pooled(today=today)
        except NotEnoughHistory as error:
            self.stdout.write(f"no pooled model trained: {error}")
        else:
            self.stdout.write(f"{pooled}: {pooled.decision}")

    def _train_own(self, organization: Organization, today: dt.date) -> str:
        """Train the organisation's own model; return why it has too little history, or "" when trained."""
        try:
            registered = forecast_train(organization=organization, today=today)
        except NotEnoughHistory as error:
            self.stdout.write(f"{organization.slug}: no own model trained: {error}")
            return str(error)
        self.stdout.write(f"{organization.slug}: {registered}: {registered.decision}")
        for name in ("mae_days", "coverage", "mean_width_days", "brier_on_time", "auc_on_time"):
            self.stdout.write(f"  {name}: {registered.metrics.get(name)}")
        return ""

    def _score(self, organization: Organization, today: dt.date, too_little_history: str) -> None:
        # The organisation's own models are visible only inside its tenant context (row-level security).
        with tenant_context(organization):
            model = current_model(organization)
        if model is None:
            self.stdout.write(
                f"{organization.slug}: no invoices scored, because no forecast model exists for this "
                f"organisation yet: it has too little history for its own model ({too_little_history}) "
                "and no pooled model has been trained. Train the pooled model with --pooled once the "
                "organisations together have at least 50 paid invoices."
            )
            return
        count = forecast_score(organization=organization, run_date=today)
        self.stdout.write(f"{organization.slug}: {count} open invoices scored")

    def _date(self, value: str | None) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r} is not a date; use YYYY-MM-DD, for example 2025-10-08.") from None

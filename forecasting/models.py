"""Forecasting tables: the debtor-hash secret, the model registry, forecasts and run claims."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from payt.models import TenantModel


class ForecastSecret(TenantModel):
    """The organisation's secret key for hashing debtors in training data (HMAC-SHA256)."""

    secret = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="forecast_secret_one_per_org")]


class ModelStatus(models.TextChoices):
    PROMOTED = "promoted", _("In use")
    REJECTED = "rejected", _("Not promoted")
    RETIRED = "retired", _("Replaced")


class RegisteredModelFields(models.Model):
    """Fields shared by an organisation's models and the pooled models."""

    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=ModelStatus.choices)
    decision = models.CharField(max_length=300, blank=True)
    trained_at = models.DateTimeField(auto_now_add=True)
    # Training window: issue dates of the oldest and newest invoice the model was trained on.
    window_start = models.DateField()
    window_end = models.DateField()
    training_invoices = models.PositiveIntegerField()
    feature_names = models.JSONField(default=list)
    settings = models.JSONField(default=dict)
    # Hold-out metrics: mae_days, coverage, mean_width_days, brier_on_time, auc_on_time and more.
    metrics = models.JSONField(default=dict)
    # The pickled forecasting.model.PaymentForecaster; only ever loaded from this table.
    artifact = models.BinaryField(editable=False)

    class Meta:
        abstract = True


class TrainedModel(TenantModel, RegisteredModelFields):
    """One training of an organisation's forecast model."""

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="trained_model_unique_version"),
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(status="promoted"), name="trained_model_one_promoted"
            ),
        ]

    def __str__(self) -> str:
        return f"organisation model v{self.version} ({self.status})"


class PooledModel(RegisteredModelFields):
    """One training of the pooled model over all organisations, for those without enough history.

    It is trained on feature rows only: amounts, dates and aggregates, with
    each organisation's debtors hashed under that organisation's own secret.
    It contains no tenant rows, so it is not a tenant table.
    """

    id = models.BigAutoField(primary_key=True)
    organizations = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["version"], name="pooled_model_unique_version"),
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="promoted"), name="pooled_model_one_promoted"
            ),
        ]

    def __str__(self) -> str:
        return f"pooled model v{self.version} ({self.status})"


class InvoiceForecast(TenantModel):
    """The latest forecast of an invoice, rewritten by each nightly scoring while it is open.

    ``first_p_on_time`` keeps the first forecast, so the share paid on time
    can be compared with what was forecast once the invoices are paid. For
    that reason the row stays after the invoice is paid, credited or
    cancelled, marked by ``closed_on``, and the selectors no longer show it.
    """

    invoice = models.OneToOneField("invoices.Invoice", on_delete=models.CASCADE, related_name="forecast")
    scored_on = models.DateField()
    model_label = models.CharField(max_length=40)
    expected_date = models.DateField()
    lower_date = models.DateField()
    upper_date = models.DateField()
    p_on_time = models.FloatField()
    first_p_on_time = models.FloatField()
    first_scored_on = models.DateField()
    cold_start = models.BooleanField(default=False)
    # Overdue longer than the model's training history covers: the dates are no reliable forecast,
    # so pages show no interval, the cash-in leaves the invoice out and the risk list counts it as at risk.
    beyond_history = models.BooleanField(default=False)
    # Reason codes with their values (see forecasting.alerts), rendered in the reader's language.
    reasons = models.JSONField(default=list)
    # Open amount times the chance of missing the due date: the ranking of risk alerts.
    risk_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Date of the scoring that found the invoice no longer open; None while it is open.
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "risk_amount"], name="forecast_org_risk"),
            models.Index(fields=["organization", "expected_date"], name="forecast_org_expected"),
        ]


class RunKind(models.TextChoices):
    TRAIN = "train", _("Training")
    SCORE = "score", _("Scoring")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ForecastRun(TenantModel):
    """Claim of one training (per month) or scoring (per day); the unique constraint makes it once."""

    kind = models.CharField(max_length=5, choices=RunKind.choices)
    period = models.CharField(max_length=10)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    detail = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "period"], name="forecast_run_once_per_period"),
        ]


class PooledRun(models.Model):
    """Claim of one pooled training per month."""

    period = models.CharField(max_length=10, unique=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    detail = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pooled training {self.period} ({self.status})"

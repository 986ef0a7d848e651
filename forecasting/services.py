"""Writes of forecasting: train and register models, promote them, score open invoices, claim runs.

A model fit takes minutes on a large history, so it runs outside any
transaction; only the registry write that follows is one transaction.
"""

import datetime as dt
import logging
import math
import pickle
from dataclasses import asdict, dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from dunning.models import PhoneTask, PhoneTaskSource
from dunning.phone import phone_task_create
from forecasting.alerts import OVERDUE_HORIZON_DAYS, OrganizationNorms, call_reason_text, risk_reasons
from forecasting.backtest import run_backtest
from forecasting.features import scoring_table, training_table
from forecasting.history import InvoiceHistory, day_date, day_number
from forecasting.model import ModelSettings, PaymentForecaster
from forecasting.models import (
    ForecastRun,
    InvoiceForecast,
    ModelStatus,
    PooledModel,
    PooledRun,
    RunStatus,
    TrainedModel,
)
from forecasting.portfolio import payment_cdf
from forecasting.sources import history_from_database
from invoices.models import DocumentKind, Invoice
from invoices.selectors import receivable_invoices
from payt.api_errors import DomainError
from payt.models import Organization
from payt.money import to_money
from payt.tenancy import tenant_context

logger = logging.getLogger(__name__)

# An organisation trains its own model once it has this many paid invoices; before that
# it is scored with the pooled model.
MIN_PAID_INVOICES = 500
# Tolerances of "not worse than the current model" (see promotion_decision).
MAE_TOLERANCE_DAYS = 0.25
COVERAGE_TOLERANCE = 0.02
BRIER_TOLERANCE = 0.01
AUC_TOLERANCE = 0.01
TARGET_COVERAGE = 0.90


class NotEnoughHistory(Exception):
    """Raised when a history is too short to train and test a model on."""


@dataclass(frozen=True)
class TrainingOutcome:
    model: PaymentForecaster
    metrics: dict
    window_start: dt.date
    window_end: dt.date
    training_invoices: int


def promotion_decision(candidate: dict, current: dict | None) -> tuple[bool, str]:
    """Decide whether a candidate's hold-out metrics are not worse than the current model's.

    Not worse means: MAE at most MAE_TOLERANCE_DAYS higher, coverage at most
    COVERAGE_TOLERANCE further from 90%, Brier score at most BRIER_TOLERANCE
    higher and AUC at most AUC_TOLERANCE lower. Returns (promote, reason).
    """
    if current is None:
        return True, "first model"
    failures = []
    if candidate["mae_days"] > current["mae_days"] + MAE_TOLERANCE_DAYS:
        failures.append(f"MAE {candidate['mae_days']:.2f} > {current['mae_days']:.2f} days")
    candidate_gap = abs(candidate["coverage"] - TARGET_COVERAGE)
    current_gap = abs(current["coverage"] - TARGET_COVERAGE)
    if candidate_gap > current_gap + COVERAGE_TOLERANCE:
        failures.append(f"coverage {candidate['coverage']:.3f} further from 0.90 than {current['coverage']:.3f}")
    if candidate["brier_on_time"] > current["brier_on_time"] + BRIER_TOLERANCE:
        failures.append(f"Brier {candidate['brier_on_time']:.3f} > {current['brier_on_time']:.3f}")
    candidate_auc, current_auc = candidate.get("auc_on_time"), current.get("auc_on_time")
    if candidate_auc is not None and current_auc is not None and candidate_auc < current_auc - AUC_TOLERANCE:
        failures.append(f"AUC {candidate_auc:.3f} < {current_auc:.3f}")
    if failures:
        return False, "worse than the current model: " + "; ".join(failures)
    return True, "not worse than the current model"


def train_on_history(
    history: InvoiceHistory, *, today: dt.date, settings: ModelSettings | None = None
) -> TrainingOutcome:
    """Measure a model on a time hold-out, then train the model to use on the whole history.

    The hold-out is the back-test: trained on the first 75% of the history in
    time and tested on the invoices after it that were paid.
    """
    paid = int((~history.is_open).sum())
    if paid < 50:
        raise NotEnoughHistory(f"{paid} paid invoices; at least 50 are needed to train and test a model")
    try:
        metrics = run_backtest(history, settings=settings).as_dict()
        countries = sorted(set(history.debtor_country))
        cutoff = day_number(today) + 1
        model = PaymentForecaster(settings)
        model.countries = countries
        model.fit(training_table(history, cutoff, countries=countries))
    except ValueError as error:
        raise NotEnoughHistory(str(error)) from error
    del metrics["by_history"]
    return TrainingOutcome(
        model=model,
        metrics=metrics,
        window_start=day_date(int(history.issue.min())),
        window_end=day_date(int(history.issue[history.issue < cutoff].max())),
        training_invoices=int((history.issue < cutoff).sum()),
    )


def trained_model_register(*, organization: Organization, outcome: TrainingOutcome) -> TrainedModel:
    """Store an organisation's trained model as its next version, promoted if not worse than the current one."""
    with tenant_context(organization):
        return _register(
            TrainedModel, TrainedModel.objects.for_organization(organization), outcome, organization=organization
        )


def pooled_model_register(*, outcome: TrainingOutcome, organizations: int) -> PooledModel:
    """Store a pooled model as the next version, promoted if not worse than the current one."""
    return _register(PooledModel, PooledModel.objects.all(), outcome, organizations=organizations)


def _register(model_class, queryset, outcome: TrainingOutcome, **extra):
    with transaction.atomic():
        current = queryset.select_for_update().filter(status=ModelStatus.PROMOTED).first()
        promote, reason = promotion_decision(outcome.metrics, current.metrics if current else None)
        if promote and current is not None:
            current.status = ModelStatus.RETIRED
            current.save(update_fields=["status"])
        version = (queryset.aggregate(last=Max("version"))["last"] or 0) + 1
        registered = model_class.objects.create(
            version=version,
            status=ModelStatus.PROMOTED if promote else ModelStatus.REJECTED,
            decision=reason[:300],
            window_start=outcome.window_start,
            window_end=outcome.window_end,
            training_invoices=outcome.training_invoices,
            feature_names=outcome.model.feature_names,
            settings=asdict(outcome.model.settings),
            metrics=outcome.metrics,
            artifact=pickle.dumps(outcome.model),
            **extra,
        )
    logger.info("Registered %s: %s", registered, reason)
    return registered


def forecast_train(*, organization: Organization, today: dt.date | None = None) -> TrainedModel:
    """Train the organisation's model on its history and register it; raises NotEnoughHistory."""
    today = today or timezone.localdate(timezone=organization.zone)
    with tenant_context(organization):
        history = history_from_database(organization)
        paid = int((~history.is_open).sum())
        if paid < MIN_PAID_INVOICES:
            raise NotEnoughHistory(
                f"{paid} paid invoices; an own model needs {MIN_PAID_INVOICES}, the pooled model scores until then"
            )
        outcome = train_on_history(history, today=today)
    return trained_model_register(organization=organization, outcome=outcome)


def pooled_history(organizations) -> InvoiceHistory:
    """Return the histories of all organisations as one, each debtor hashed with its own organisation's secret."""
    parts = []
    for organization in organizations:
        with tenant_context(organization):
            parts.append(history_from_database(organization))
    return concatenate_histories(parts)


def concatenate_histories(parts: list[InvoiceHistory]) -> InvoiceHistory:
    """Return the histories as one, with debtor codes renumbered; reminders keep their invoices."""
    offset_debtor, offset_invoice, columns = 0, 0, {}
    lists = {"debtor_keys": [], "debtor_country": [], "invoice_ids": []}
    for part in parts:
        shifted = {
            "debtor": part.debtor + offset_debtor,
            "reminder_invoice": part.reminder_invoice + offset_invoice,
            "promise_debtor": part.promise_debtor + offset_debtor,
        }
        for name in ("issue", "due", "settled", "amount", "disputed", "disputed_on", "electronic", "debtor_kind",
                     "reminder_day", "reminder_step", "promise_broken_day"):
            shifted[name] = getattr(part, name)
        for name, value in shifted.items():
            columns.setdefault(name, []).append(value)
        for name in lists:
            lists[name].extend(getattr(part, name))
        offset_debtor += len(part.debtor_keys)
        offset_invoice += len(part)
    if not parts:
        raise NotEnoughHistory("no organisation has invoices")
    return InvoiceHistory(**{name: np.concatenate(values) for name, values in columns.items()}, **lists)


def forecast_train_pooled(*, today: dt.date) -> PooledModel:
    """Train the pooled model on every organisation's history and register it."""
    organizations = list(Organization.objects.order_by("slug"))
    outcome = train_on_history(pooled_history(organizations), today=today)
    return pooled_model_register(outcome=outcome, organizations=len(organizations))


def current_model(organization: Organization) -> TrainedModel | PooledModel | None:
    """Return the organisation's promoted model, else the promoted pooled model, else None."""
    own = TrainedModel.objects.for_organization(organization).filter(status=ModelStatus.PROMOTED).first()
    return own or PooledModel.objects.filter(status=ModelStatus.PROMOTED).first()


def _organization_norms(history: InvoiceHistory) -> OrganizationNorms:
    paid = ~history.is_open
    if not paid.any():
        return OrganizationNorms(on_time_share=0.0, mean_days_late=0.0)
    late = history.settled[paid] - history.due[paid]
    return OrganizationNorms(on_time_share=float(np.mean(late <= 0)), mean_days_late=float(np.mean(late)))


def _risk_probability(table, predictions, as_of: int) -> np.ndarray:
    """Chance of missing the due date, or for an overdue invoice of staying unpaid OVERDUE_HORIZON_DAYS more.

    An invoice overdue beyond the model's history gets 1.0.
    """
    from_today = table.age
    cdf = payment_cdf(
        np.full(len(table), float(OVERDUE_HORIZON_DAYS)),
        np.maximum(predictions.lower - from_today, 0.0),
        np.maximum(predictions.median - from_today, 0.0),
        np.maximum(predictions.upper - from_today, 0.0),
    )
    overdue = table.column("days_past_due") > 0
    risk = np.where(overdue, 1.0 - cdf, 1.0 - predictions.p_on_time)
    # Overdue longer than the training history covers: the model only extrapolates there, and an
    # invoice left unpaid that long is at risk whatever it predicts.
    return np.where(predictions.beyond_history, 1.0, risk)


def forecasts_close(*, organization: Organization, run_date: dt.date) -> int:
    """Mark the forecasts of invoices that are no longer open (paid, credited, cancelled) closed on ``run_date``.

    The rows stay for the on-time comparison of ``first_p_on_time``. Returns how many were closed.
    """
    with tenant_context(organization):
        still_open = receivable_invoices(Invoice.objects.for_organization(organization)).values("pk")
        closed = (
            InvoiceForecast.objects.for_organization(organization)
            .filter(closed_on__isnull=True)
            .exclude(invoice_id__in=still_open)
            .update(closed_on=run_date)
        )
    if closed:
        logger.info("Closed %d forecasts of organization %s whose invoices are no longer open", closed,
                    organization.pk)
    return closed


def forecast_score(*, organization: Organization, run_date: dt.date) -> int:
    """Forecast every open invoice of the organisation as of ``run_date``; return how many were written.

    Forecasts of invoices that are no longer open are closed first, also when no model exists.
    """
    forecasts_close(organization=organization, run_date=run_date)
    with tenant_context(organization):
        registered = current_model(organization)
        if registered is None:
            logger.info("No forecast model for organization %s yet; scoring skipped", organization.pk)
            return 0
        model: PaymentForecaster = pickle.loads(bytes(registered.artifact))  # noqa: S301 (our own registry)
        history = history_from_database(organization)
        as_of = day_number(run_date)
        table = scoring_table(history, as_of, countries=model.countries, use_disputed=model.use_disputed)
        if len(table) == 0:
            return 0
        predictions = model.predict(table)
        rows = _forecast_rows(organization, history, table, predictions, as_of, registered, run_date)
        with transaction.atomic():
            InvoiceForecast.objects.bulk_create(
                rows,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["invoice"],
                update_fields=[
                    "scored_on", "model_label", "expected_date", "lower_date", "upper_date", "p_on_time",
                    "cold_start", "beyond_history", "reasons", "risk_amount", "closed_on",
                ],
            )
    logger.info("Scored %d open invoices of organization %s with %s", len(rows), organization.pk, registered)
    return len(rows)


def _forecast_rows(organization, history, table, predictions, as_of, registered, run_date) -> list[InvoiceForecast]:
    norms = _organization_norms(history)
    risk = _risk_probability(table, predictions, as_of)
    invoice_ids = [history.invoice_ids[row] for row in table.row]
    open_amounts = dict(Invoice.objects.for_organization(organization).filter(
        pk__in=invoice_ids).values_list("pk", "open_amount"))
    label = f"{'pooled' if isinstance(registered, PooledModel) else 'own'} v{registered.version}"
    rows = []
    for position, invoice_id in enumerate(invoice_ids):
        issue = int(history.issue[table.row[position]])
        features = dict(zip(table.feature_names, table.X[position].tolist(), strict=True))
        features = {name: (None if math.isnan(value) else value) for name, value in features.items()}
        p_on_time = float(predictions.p_on_time[position])
        rows.append(InvoiceForecast(
            organization=organization,
            invoice_id=invoice_id,
            scored_on=run_date,
            model_label=label,
            expected_date=day_date(issue + round(predictions.median[position])),
            lower_date=day_date(issue + math.floor(predictions.lower[position])),
            upper_date=day_date(issue + math.ceil(predictions.upper[position])),
            p_on_time=p_on_time,
            first_p_on_time=p_on_time,
            first_scored_on=run_date,
            cold_start=bool(predictions.cold_start[position]),
            beyond_history=bool(predictions.beyond_history[position]),
            reasons=risk_reasons(features, norms),
            risk_amount=to_money(open_amounts.get(invoice_id, Decimal(0)) * Decimal(str(round(risk[position], 4)))),
        ))
    return rows


RUN_LOST_DETAIL = "worker lost or timed out"


def run_lease_cutoff() -> dt.datetime:
    """Return the start time before which a run still marked running counts as lost."""
    return timezone.now() - dt.timedelta(minutes=settings.FORECAST_RUN_LEASE_MINUTES)


def _fail_stale_run(runs: QuerySet, label: str) -> None:
    """Mark the run in ``runs`` failed when it has been running for longer than the lease.

    Its worker died (killed, out of memory) or hung, so no one else would
    ever finish it. The update is conditional, so of two takers only one
    marks it and logs it.
    """
    cutoff = run_lease_cutoff()
    for run_id, started_at in runs.filter(status=RunStatus.RUNNING, started_at__lt=cutoff).values_list(
        "pk", "started_at"
    ):
        failed = runs.filter(pk=run_id, status=RunStatus.RUNNING, started_at=started_at).update(
            status=RunStatus.FAILED, detail=RUN_LOST_DETAIL, finished_at=timezone.now()
        )
        if failed:
            logger.warning(
                "%s run %s started at %s and is still running after %d minutes: %s; taking it over",
                label,
                run_id,
                started_at.isoformat(),
                settings.FORECAST_RUN_LEASE_MINUTES,
                RUN_LOST_DETAIL,
            )


def _claim_run(runs: QuerySet, create, label: str):
    """Create the run of ``runs``, or take over a failed or stale one; None when it is claimed already.

    Each step is one INSERT or one conditional UPDATE, so of two concurrent
    takers exactly one gets the run.
    """
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        pass

    _fail_stale_run(runs, label)
    retaken = runs.filter(status=RunStatus.FAILED).update(
        status=RunStatus.RUNNING, detail="", started_at=timezone.now(), finished_at=None
    )
    return runs.get() if retaken else None


def forecast_run_claim(*, organization: Organization, kind: str, period: str) -> ForecastRun | None:
    """Claim the run of ``kind`` for ``period``; return it, or None when it is claimed already.

    A failed run can be claimed again, and so can a run still marked running
    after FORECAST_RUN_LEASE_MINUTES. A finished one, or one running within
    the lease, cannot.
    """
    with tenant_context(organization):
        return _claim_run(
            ForecastRun.objects.filter(kind=kind, period=period),
            lambda: ForecastRun.objects.create(organization=organization, kind=kind, period=period),
            f"Forecast {kind} of organization {organization.pk} for {period}:",
        )


def forecast_run_finish(*, run, status: str, detail: str = "") -> None:
    """Record how a claimed run (ForecastRun or PooledRun) ended, unless another taker has it now.

    ``started_at`` identifies the claim: a takeover resets it, so a worker
    that outlived its lease cannot overwrite the run of its successor.
    """
    finished = type(run).objects.filter(pk=run.pk, started_at=run.started_at).update(
        status=status, detail=detail[:300], finished_at=timezone.now()
    )
    if not finished:
        logger.warning(
            "Run %s (%s) was taken over after its lease ran out; its outcome %s '%s' is not recorded",
            run.pk,
            run.period,
            status,
            detail[:300],
        )


def pooled_run_claim(*, period: str) -> PooledRun | None:
    """Claim the pooled training of ``period``; None when it is claimed already (failed and stale runs excepted)."""
    return _claim_run(
        PooledRun.objects.filter(period=period),
        lambda: PooledRun.objects.create(period=period),
        f"Pooled training for {period}:",
    )


class InvoiceNotOpen(DomainError):
    """Raised when a risk call is requested for a document with no amount due.

    ``code`` is ``credit_note``, ``cancelled`` or ``nothing_due``.
    """


def risk_call_create(*, organization: Organization, invoice: Invoice, reasons: list[dict]) -> PhoneTask:
    """Put a call about an open invoice at risk on the call list; an open risk call for it is reused.

    ``reasons`` are the forecast's reason codes; they are stored as codes so the
    call list renders them in the reader's language. Raises InvoiceNotOpen for
    a credit document, a cancelled invoice or one with nothing left to pay.
    """
    _check_invoice_open(invoice)
    with tenant_context(organization):
        return phone_task_create(
            debtor=invoice.debtor,
            source=PhoneTaskSource.RISK,
            invoice=invoice,
            reason=call_reason_text(invoice.number, reasons, language="en"),
            reason_codes=list(reasons),
        )


def _check_invoice_open(invoice: Invoice) -> None:
    if invoice.kind != DocumentKind.INVOICE or invoice.total_amount <= 0:
        raise InvoiceNotOpen(f"{invoice.number} is a credit note; there is nothing to collect.", code="credit_note")
    if invoice.cancelled_at is not None:
        raise InvoiceNotOpen(f"Invoice {invoice.number} is cancelled.", code="cancelled")
    if invoice.open_amount <= 0:
        raise InvoiceNotOpen(f"Invoice {invoice.number} has nothing left to pay.", code="nothing_due")

"""Back-test on a time split: train on the history as known at the cutoff, test on later invoices.

The cutoff is the issue date of the invoice at ``train_share`` of the history
in issue-date order. The model sees only what was known on that morning:
invoices paid later are open (censored) in its training data. Each later
invoice is forecast at its issue date, from the debtor's history up to that
date, and compared with when it was paid.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

from forecasting.features import issue_table, training_table
from forecasting.history import OPEN, InvoiceHistory
from forecasting.model import ModelSettings, PaymentForecaster, Predictions, conformal_quantile

# Buckets of the debtor's paid invoices before the forecast, for the history-length breakdown.
HISTORY_BUCKETS = ((0, 0), (1, 2), (3, 5), (6, 10), (11, 20), (21, None))


@dataclass
class Metrics:
    """Hold-out figures of a forecast; days are days from issue to payment."""

    invoices: int
    coverage: float
    coverage_disputed: float
    coverage_undisputed: float
    mean_width_days: float
    mae_days: float
    auc_on_time: float
    brier_on_time: float
    on_time_share: float

    def as_dict(self) -> dict:
        return {name: _rounded(value) for name, value in self.__dict__.items()}


def _rounded(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value


@dataclass
class BacktestResult:
    cutoff: str
    train_invoices: int
    test_invoices: int
    censored_at_cutoff: int
    use_disputed: bool
    metrics: Metrics
    baselines: dict = field(default_factory=dict)
    by_history: list[dict] = field(default_factory=list)
    cold_start: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        result = {key: value for key, value in self.__dict__.items() if key != "metrics"}
        result.update(self.metrics.as_dict())
        return result


def evaluate(predictions: Predictions, actual_days: np.ndarray, on_time: np.ndarray, disputed: np.ndarray) -> Metrics:
    """Compute coverage, width, MAE, AUC and Brier score of forecasts against what happened."""
    covered = (predictions.lower <= actual_days) & (actual_days <= predictions.upper)
    has_both = len(set(on_time.tolist())) == 2

    def share(mask: np.ndarray) -> float:
        return float(covered[mask].mean()) if mask.any() else math.nan

    return Metrics(
        invoices=len(actual_days),
        coverage=share(np.ones(len(covered), dtype=bool)),
        coverage_disputed=share(disputed),
        coverage_undisputed=share(~disputed),
        mean_width_days=float(np.mean(predictions.upper - predictions.lower)),
        mae_days=float(np.mean(np.abs(predictions.median - actual_days))),
        auc_on_time=float(roc_auc_score(on_time, predictions.p_on_time)) if has_both else math.nan,
        brier_on_time=float(brier_score_loss(on_time, predictions.p_on_time)),
        on_time_share=float(on_time.mean()),
    )


def time_split_cutoff(history: InvoiceHistory, train_share: float) -> int:
    """Return the issue day of the invoice at ``train_share`` of the history in time."""
    issue = np.sort(history.issue)
    return int(issue[min(int(len(issue) * train_share), len(issue) - 1)])


def run_backtest(
    history: InvoiceHistory,
    *,
    train_share: float = 0.75,
    use_disputed: bool = True,
    true_settled: np.ndarray | None = None,
    settings: ModelSettings | None = None,
) -> BacktestResult:
    """Train on the history before the cutoff, forecast each later invoice at issue, and score.

    ``true_settled`` gives the real settle days where the history shows an
    invoice open (generated data knows them); without it, test invoices still
    open at the end of the history are left out of the figures.
    """
    from forecasting.history import day_date

    settled = history.settled if true_settled is None else true_settled
    cutoff = time_split_cutoff(history, train_share)
    countries = sorted(set(history.debtor_country))

    train = training_table(history, cutoff, countries=countries, use_disputed=use_disputed)
    model = PaymentForecaster(settings, use_disputed=use_disputed).fit(train)

    test_rows = np.flatnonzero((history.issue >= cutoff) & (settled != OPEN))
    test = issue_table(history, test_rows, countries=countries, use_disputed=use_disputed)
    predictions = model.predict(test)
    actual = (settled[test_rows] - history.issue[test_rows]).astype(np.float64)
    on_time = (settled[test_rows] <= history.due[test_rows]).astype(int)
    disputed = history.disputed[test_rows]

    stage0 = train.age == 0
    result = BacktestResult(
        cutoff=day_date(cutoff).isoformat(),
        train_invoices=int(stage0.sum()),
        test_invoices=len(test_rows),
        censored_at_cutoff=int(np.isnan(train.remaining[stage0]).sum()),
        use_disputed=use_disputed,
        metrics=evaluate(predictions, actual, on_time, disputed),
    )
    result.baselines = _baselines(history, settled, cutoff, test_rows, actual)
    result.by_history = _by_history(test, predictions, actual, on_time, disputed)
    cold = predictions.cold_start
    if cold.any():
        result.cold_start = evaluate(_take(predictions, cold), actual[cold], on_time[cold], disputed[cold]).as_dict()
    return result


def _take(predictions: Predictions, mask: np.ndarray) -> Predictions:
    return Predictions(
        median=predictions.median[mask],
        lower=predictions.lower[mask],
        upper=predictions.upper[mask],
        p_on_time=predictions.p_on_time[mask],
        cold_start=predictions.cold_start[mask],
        group=predictions.group[mask],
    )


def _by_history(test, predictions: Predictions, actual, on_time, disputed) -> list[dict]:
    paid_count = test.column("paid_count")
    rows = []
    for low, high in HISTORY_BUCKETS:
        mask = (paid_count >= low) & ((paid_count <= high) if high is not None else True)
        if not mask.any():
            continue
        metrics = evaluate(_take(predictions, mask), actual[mask], on_time[mask], disputed[mask])
        label = f"{low}" if low == high else (f"{low}+" if high is None else f"{low}-{high}")
        rows.append({"paid_before": label, **metrics.as_dict()})
    return rows


def _baselines(history: InvoiceHistory, settled, cutoff: int, test_rows: np.ndarray, actual) -> dict:
    """MAE of the due date and of the debtor's past average; plain split-conformal around that average."""
    due_days = (history.due[test_rows] - history.issue[test_rows]).astype(np.float64)
    past_average = _past_average_days(history, test_rows)
    result = {
        "due_date_mae_days": round(float(np.mean(np.abs(due_days - actual))), 4),
        "debtor_average_mae_days": round(float(np.mean(np.abs(past_average - actual))), 4),
    }

    # Plain split conformal: the debtor's past average plus or minus the 90% quantile of its
    # absolute error on the last quarter of the training invoices that were paid by the cutoff.
    known = history.known_at(cutoff)
    paid = np.flatnonzero(~known.is_open)
    calibration = paid[known.issue[paid] >= np.percentile(known.issue[paid], 75)]
    calibration_rows = np.flatnonzero(history.issue < cutoff)[calibration]
    calibration_error = np.abs(
        _past_average_days(known, calibration) - (known.settled[calibration] - known.issue[calibration])
    )
    half_width = conformal_quantile(calibration_error, 0.90)
    covered = np.abs(past_average - actual) <= half_width
    result["split_conformal_coverage"] = round(float(covered.mean()), 4)
    result["split_conformal_width_days"] = round(float(2 * half_width), 4)
    del calibration_rows
    return result


def _past_average_days(history: InvoiceHistory, rows: np.ndarray) -> np.ndarray:
    """Mean days to pay of the debtor's invoices paid before each row's issue date (overall mean if none)."""
    table = issue_table(history, rows, countries=[], use_disputed=False)
    average = table.column("mean_days_to_pay")
    paid = ~history.is_open
    fallback = float(np.mean(history.settled[paid] - history.issue[paid])) if paid.any() else 30.0
    return np.where(np.isnan(average), fallback, average)


def format_table(results: list[BacktestResult]) -> str:
    """Return the results side by side as a plain-text table, one column per run."""
    headers = ["metric"] + [("with" if r.use_disputed else "without") + " Disputed" for r in results]
    lines = [
        ("invoices trained / tested", [f"{r.train_invoices} / {r.test_invoices}" for r in results]),
        ("cutoff (first test day)", [r.cutoff for r in results]),
        ("open (censored) at cutoff", [str(r.censored_at_cutoff) for r in results]),
    ]
    for name, label in (
        ("coverage", "90% interval coverage"),
        ("coverage_disputed", "  disputed invoices"),
        ("coverage_undisputed", "  undisputed invoices"),
        ("mean_width_days", "mean interval width (days)"),
        ("mae_days", "MAE of the median (days)"),
        ("auc_on_time", "AUC of P(on time)"),
        ("brier_on_time", "Brier score of P(on time)"),
    ):
        lines.append((label, [_format(getattr(r.metrics, name), name) for r in results]))
    for name, label in (
        ("due_date_mae_days", "baseline: due date, MAE"),
        ("debtor_average_mae_days", "baseline: debtor past average, MAE"),
        ("split_conformal_coverage", "baseline: plain split conformal, coverage"),
        ("split_conformal_width_days", "baseline: plain split conformal, width"),
    ):
        lines.append((label, [_format(r.baselines.get(name, math.nan), name) for r in results]))

    widths = [max(len(headers[0]), *(len(label) for label, _ in lines))]
    widths += [max(len(headers[i + 1]), *(len(values[i]) for _, values in lines)) for i in range(len(results))]
    rendered = [" | ".join(text.ljust(width) for text, width in zip(headers, widths, strict=True))]
    rendered.append("-+-".join("-" * width for width in widths))
    for label, values in lines:
        cells = [label] + values
        rendered.append(" | ".join(text.ljust(width) for text, width in zip(cells, widths, strict=True)))
    return "\n".join(rendered)


def _format(value: float, name: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if "coverage" in name:
        return f"{value:.1%}"
    return f"{value:.3f}" if name in ("auc_on_time", "brier_on_time") else f"{value:.1f}"

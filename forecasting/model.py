"""Days until payment with a conformal 90% interval, and a calibrated on-time probability.

Days until payment: three gradient-boosted quantile regressions (5%, 50%,
95%) give the median and a first interval. Conformalized quantile regression
then widens that interval by the 90% quantile of the errors on a calibration
window. The widening is computed per group (group-conditional or Mondrian
conformal calibration): at issue or overdue, disputed or not, and the
debtor's paid invoices (none, 1-2, 3 or more). Each group with enough
calibration rows gets its own 90%, and a debtor without history gets the
wider interval of its group.

Censoring: an invoice still open at the cutoff is a censored row. The
quantile models weight each paid row by the inverse chance that a row of its
age would have been seen paid before the cutoff (inverse probability of
censoring weighting), so slow payers are not under-represented; the on-time
model counts an open invoice past its due date as late.

On-time probability: a gradient-boosted classifier with isotonic
calibration over five folds in time order.
"""

import logging
import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from forecasting.features import CATEGORICAL_FEATURES, LANDMARK_DAYS_AFTER_DUE, FeatureTable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSettings:
    """Settings of one training; stored with the model."""

    coverage: float = 0.90
    lower_quantile: float = 0.05
    upper_quantile: float = 0.95
    calibration_share: float = 0.35
    # Boosting of the interval bounds: (iterations, learning rate, leaves per tree, rows per leaf).
    bound_boosting: tuple[int, float, int, int] = (100, 0.1, 15, 20)
    # Boosting of the median and of the on-time classifier: fewer leaves, smoother fits.
    median_boosting: tuple[int, float, int, int] = (150, 0.05, 8, 30)
    # A conformal group needs this many calibration rows; smaller groups use their parent's widening.
    # With n rows, the coverage a group gets from its own quantile has a standard deviation of about
    # sqrt(0.9 * 0.1 / (n + 2)) over calibration windows: 1.5 points at 400 rows, 3 at 100. At 400,
    # a group that is calibrated on average lands within 2 points of 90% about 4 times in 5.
    min_group_rows: int = 400
    # The whole calibration window needs at least this many rows, because it widens every group that falls back.
    min_calibration_rows: int = 40
    # An overdue landmark is covered by the history when at least this many paid training rows
    # were taken at it or a later one. Invoices overdue longer than the last covered one get no interval.
    min_overdue_support_rows: int = 30
    # Inverse-censoring weights are capped at 1 / weight_floor.
    weight_floor: float = 0.05
    # Blocks of the calibration window, each scored by models trained on the rows before it.
    folds: int = 3
    # Each model is fitted on at most this many rows, sampled uniformly (see PaymentForecaster._sample).
    max_fit_rows: int = 400_000
    # Calibration rows must have been watched this many times the 99th percentile of the days to
    # payment before the cutoff, so that nearly all of them were paid by then.
    horizon_factor: float = 1.5
    random_state: int = 0


@dataclass
class Predictions:
    """Per row: days from issue to payment (``median``, ``lower``, ``upper``) and ``p_on_time``."""

    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    p_on_time: np.ndarray
    cold_start: np.ndarray
    group: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # Overdue longer than any landmark the training history covers: the interval is not reliable.
    beyond_history: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


# History depth levels by the debtor's paid invoices before the forecast: none, 1-2, 3 or more.
HISTORY_DEPTHS = np.array([0, 1, 3])


# Forecasts reach at most this many days past the morning of the forecast.
MAX_REMAINING_DAYS = 730.0
# Models pickled before overdue_support_days was stored were trained with landmarks up to 60 days.
LEGACY_OVERDUE_SUPPORT_DAYS = 60


def _group_labels(table: FeatureTable, use_disputed: bool) -> np.ndarray:
    """Conformal group of each row: (due date reached, disputed, history depth) as an int array.

    The depth is the debtor's number of paid invoices. Forecasts improve as a
    history deepens, and the calibration window lies before the invoices
    forecast after it, when histories were shallower. Grouping by depth keeps
    shallow-history errors from widening deep-history intervals. Depths of
    three paid invoices and more share one group: as histories grow, finer
    levels leave the deepest groups with no calibration rows. On ar_ibm.csv,
    318 of the 621 test invoices follow more than 20 paid invoices, but only 5
    of the 965 calibration rows do.
    """
    overdue = table.column("age_days") >= table.column("payment_term_days")
    disputed = table.column("disputed") > 0 if use_disputed else np.zeros(len(table), dtype=bool)
    depth = np.searchsorted(HISTORY_DEPTHS, table.column("paid_count"), side="right") - 1
    return np.column_stack([overdue, disputed, depth]).astype(int)


def _parents(group: tuple[int, int, int]) -> list[str]:
    """Return the keys of a group and of its parents, narrowest first.

    A group with too few calibration rows borrows the widening of its parent:
    first the history depth is forgotten, then "disputed", then the stage.
    """
    stage, disputed, depth = group
    return [f"{stage}/{disputed}/{depth}", f"{stage}/{disputed}/*", f"{stage}/*/*", "*/*/*"]


def _members(groups: np.ndarray, key: str) -> np.ndarray:
    members = np.ones(len(groups), dtype=bool)
    for position, part in enumerate(key.split("/")):
        if part != "*":
            members &= groups[:, position] == int(part)
    return members


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """Return the finite-sample conformal quantile of ``scores``; inf when there are too few."""
    count = len(scores)
    rank = math.ceil((count + 1) * coverage)
    if count == 0 or rank > count:
        return math.inf
    return float(np.sort(scores)[rank - 1])


class PaymentForecaster:
    """Quantile models, conformal widening per group and the on-time classifier of one training."""

    def __init__(self, settings: ModelSettings | None = None, *, use_disputed: bool = True):
        self.settings = settings or ModelSettings()
        self.use_disputed = use_disputed
        # Vocabulary of debtor countries, set by the trainer; scoring encodes countries with it.
        self.countries: list[str] = []
        self.feature_names: list[str] = []
        self.columns: np.ndarray = np.zeros(0, dtype=int)
        self.widening: dict[str, float] = {}
        self.calibration_rows: dict[str, int] = {}
        self.quantile_models: dict[str, HistGradientBoostingRegressor] = {}
        self.on_time_model: CalibratedClassifierCV | None = None
        self.overdue_support_days: int = LEGACY_OVERDUE_SUPPORT_DAYS

    # Training

    def fit(self, table: FeatureTable) -> "PaymentForecaster":
        """Fit on a training table whose open rows are censored at its cutoff."""
        self.feature_names = table.feature_names
        # Columns without a single value (e.g. reminders in a history that has none recorded) are
        # dropped: scikit-learn's binning fails on an all-NaN column and they carry no information.
        self.columns = np.flatnonzero(~np.all(np.isnan(table.X), axis=0))
        scores, groups = self._forward_scores(table)
        self._calibrate(scores, groups)
        self.quantile_models = self._fit_quantiles(table)
        self.on_time_model = self._fit_on_time(table)
        self.overdue_support_days = self._overdue_support_days(table)
        logger.info("Trained on %d rows, %d with calibration scores", len(table), len(scores))
        return self

    def _overdue_support_days(self, table: FeatureTable) -> int:
        """Return the last landmark (days past due) with ``min_overdue_support_rows`` paid rows at or after it.

        Paid rows are the ones the interval models learn from. Past this
        landmark the model has seen too few invoices of that age to forecast them.
        """
        paid_days_past_due = table.column("days_past_due")[~np.isnan(table.remaining)]
        supported = 0
        for days in LANDMARK_DAYS_AFTER_DUE:
            if np.count_nonzero(paid_days_past_due >= days) >= self.settings.min_overdue_support_rows:
                supported = days
        return supported

    def _horizon(self, table: FeatureTable) -> float:
        """Return ``horizon_factor`` times the 99th percentile of the observed days to payment.

        Rows watched at least this long before the cutoff are, nearly all, paid,
        so their calibration scores are known.
        """
        observed = ~np.isnan(table.remaining)
        if not observed.any():
            return 0.0
        return self.settings.horizon_factor * float(np.percentile(table.remaining[observed], 99))

    def _forward_scores(self, table: FeatureTable) -> tuple[np.ndarray, np.ndarray]:
        """Return calibration scores and groups from consecutive blocks in time, each scored forward.

        The calibration window contains the latest ``calibration_share`` of the
        rows that are at least one horizon older than the cutoff, so nearly
        all of them were paid by then. It is cut into ``folds`` blocks, and
        each block is scored by models trained on the rows before it, with
        what was still unpaid at the block's start censored, as the final
        model is trained at the cutoff.
        """
        settled_enough = np.flatnonzero(table.observed_days >= self._horizon(table))
        settled_enough = settled_enough[np.argsort(table.as_of[settled_enough], kind="stable")]
        size = min(int(self.settings.calibration_share * len(table)), len(settled_enough))
        if size < self.settings.min_calibration_rows:
            raise ValueError(
                f"history too short: {len(settled_enough)} invoices are older than the payment horizon; "
                f"at least {self.settings.min_calibration_rows} are needed"
            )
        all_scores, all_groups = [], []
        for block in np.array_split(settled_enough[len(settled_enough) - size:], self.settings.folds):
            start = int(table.as_of[block[0]])
            earlier = table.take(table.as_of < start).censored_at(start)
            if np.isnan(earlier.remaining).all():
                continue
            models = self._fit_quantiles(earlier)
            in_block = np.zeros(len(table), dtype=bool)
            in_block[block] = True
            scores, groups = self._scores(models, table.take(in_block))
            all_scores.append(scores)
            all_groups.append(groups)
        if not all_scores:
            raise ValueError("history too short: no invoice was paid before the calibration window")
        return np.concatenate(all_scores), np.concatenate(all_groups)

    def _weights(self, table: FeatureTable) -> np.ndarray:
        """Inverse-probability-of-censoring weights; 0 for censored rows."""
        observed = ~np.isnan(table.remaining)
        weights = np.zeros(len(table))
        stage = table.age > 0
        for in_stage in (stage, ~stage):
            watched = np.sort(table.observed_days[in_stage])
            if len(watched) == 0:
                continue
            rows = in_stage & observed
            # G(r): share of rows of this stage watched for more than r days.
            seen_longer = 1.0 - np.searchsorted(watched, table.remaining[rows], side="right") / len(watched)
            weights[rows] = 1.0 / np.maximum(seen_longer, self.settings.weight_floor)
        return weights

    def _boosting(self, boosting: tuple[int, float, int, int]) -> dict:
        max_iter, learning_rate, max_leaf_nodes, min_samples_leaf = boosting
        return {
            "max_iter": max_iter,
            "learning_rate": learning_rate,
            "max_leaf_nodes": max_leaf_nodes,
            "min_samples_leaf": min_samples_leaf,
            "categorical_features": self._categorical_mask(),
            "early_stopping": False,
            "random_state": self.settings.random_state,
        }

    def _regressor(self, quantile: float) -> HistGradientBoostingRegressor:
        boosting = self.settings.median_boosting if quantile == 0.5 else self.settings.bound_boosting
        return HistGradientBoostingRegressor(loss="quantile", quantile=quantile, **self._boosting(boosting))

    def _categorical_mask(self) -> list[bool]:
        kept = [self.feature_names[index] for index in self.columns]
        return [name in CATEGORICAL_FEATURES for name in kept]

    def _sample(self, mask: np.ndarray) -> np.ndarray:
        """Return the rows of ``mask``, a uniform sample of ``max_fit_rows`` of them when there are more.

        A uniform sample keeps the inverse-censoring weights valid; past a few
        hundred thousand rows more of them change the fit little and cost minutes.
        """
        rows = np.flatnonzero(mask)
        if len(rows) <= self.settings.max_fit_rows:
            return rows
        generator = np.random.default_rng(self.settings.random_state)
        return np.sort(generator.choice(rows, size=self.settings.max_fit_rows, replace=False))

    def _fit_quantiles(self, table: FeatureTable, names=("lower", "median", "upper")) -> dict:
        weights = self._weights(table)
        used = self._sample(weights > 0)
        X, target = table.X[used][:, self.columns], table.remaining[used]
        models = {}
        for name in names:
            quantile = self._quantiles()[name]
            models[name] = self._regressor(quantile).fit(X, target, sample_weight=weights[used])
        return models

    def _quantiles(self) -> dict[str, float]:
        return {"lower": self.settings.lower_quantile, "median": 0.5, "upper": self.settings.upper_quantile}

    def _scores(self, models: dict, table: FeatureTable) -> tuple[np.ndarray, np.ndarray]:
        """Return the conformity score of each row (how far outside the raw interval it fell)."""
        raw = self._raw_interval(models, table)
        lower, upper = raw["lower"], raw["upper"]
        # A row still open at the cutoff was paid, if ever, after the days it was watched, so its
        # score is at least the score it would have had if paid on the last day watched.
        # NOTE: that lower bound makes the widening too small for a group in which many
        # calibration invoices stay unpaid for long (invoices that may never be paid).
        remaining = np.where(np.isnan(table.remaining), table.observed_days, table.remaining)
        scores = np.maximum(lower - remaining, remaining - upper)
        return scores, _group_labels(table, self.use_disputed)

    def _calibrate(self, scores: np.ndarray, groups: np.ndarray) -> None:
        """Set the widening of each group to the conformal quantile of its scores."""
        keys = {key for stage in (0, 1) for disputed in (0, 1) for depth in range(len(HISTORY_DEPTHS))
                for key in _parents((stage, disputed, depth))}
        self.widening, self.calibration_rows = {}, {}
        for key in sorted(keys):
            members = _members(groups, key)
            self.calibration_rows[key] = int(members.sum())
            if members.sum() >= self.settings.min_group_rows:
                self.widening[key] = conformal_quantile(scores[members], self.settings.coverage)
        if len(scores) < self.settings.min_calibration_rows:
            raise ValueError(
                f"only {len(scores)} calibration rows; at least {self.settings.min_calibration_rows} are needed"
            )
        # The pooled widening is the last fallback, so it is kept even below min_group_rows.
        self.widening.setdefault("*/*/*", conformal_quantile(scores, self.settings.coverage))

    # Prediction

    def _raw_interval(self, models: dict, table: FeatureTable) -> dict[str, np.ndarray]:
        X = table.X[:, self.columns]
        raw = {name: model.predict(X) for name, model in models.items()}
        raw["lower"] = np.minimum(raw["lower"], raw["median"])
        raw["upper"] = np.maximum(raw["upper"], raw["median"])
        return raw

    def _widening_for(self, groups: np.ndarray) -> np.ndarray:
        result = np.empty(len(groups))
        for group in {tuple(row) for row in groups.tolist()}:
            key = next(key for key in _parents(group) if key in self.widening)
            result[np.all(groups == group, axis=1)] = self.widening[key]
        return result

    def predict(self, table: FeatureTable) -> Predictions:
        """Return the forecast of each row in days from the invoice's issue date."""
        if table.feature_names != self.feature_names:
            raise ValueError("feature columns differ from the ones the model was trained on")
        raw = self._raw_interval(self.quantile_models, table)
        groups = _group_labels(table, self.use_disputed)
        widening = self._widening_for(groups)
        # Payment cannot come before the morning of the forecast.
        lower = np.maximum(raw["lower"] - widening, 0.0) + table.age
        upper = np.minimum(np.maximum(raw["upper"] + widening, 0.0), MAX_REMAINING_DAYS) + table.age
        median = np.clip(raw["median"], 0.0, None) + table.age
        return Predictions(
            median=median,
            lower=np.minimum(lower, median),
            upper=np.maximum(upper, median),
            p_on_time=self._p_on_time(table),
            cold_start=table.column("paid_count") == 0,
            group=groups,
            beyond_history=table.column("days_past_due") > self._supported_days(),
        )

    def _supported_days(self) -> int:
        # Unpickling restores only the attributes stored at training, so older models use the legacy value.
        return getattr(self, "overdue_support_days", LEGACY_OVERDUE_SUPPORT_DAYS)

    def _fit_on_time(self, table: FeatureTable) -> CalibratedClassifierCV:
        rows = self._sample((table.age == 0) & ~np.isnan(table.on_time))
        labels = table.on_time[rows].astype(int)
        classifier = HistGradientBoostingClassifier(**self._boosting(self.settings.median_boosting))
        model = CalibratedClassifierCV(classifier, method="isotonic", cv=5)
        order = np.argsort(table.as_of[rows], kind="stable")
        model.fit(table.X[rows][order][:, self.columns], labels[order])
        return model

    def _p_on_time(self, table: FeatureTable) -> np.ndarray:
        probability = self.on_time_model.predict_proba(table.X[:, self.columns])[:, 1]
        # Once the due date has passed unpaid, paying on time is no longer possible.
        past_due = table.column("days_past_due") > 0
        return np.where(past_due, 0.0, probability)

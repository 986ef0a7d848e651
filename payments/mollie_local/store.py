"""In-memory state of the local Mollie server.

The store keeps payments, refunds, chargebacks, idempotency keys and the
server settings. One ``threading.Lock`` guards every read and write, and every
method returns deep copies, so callers never see an object that another
thread is changing.
"""

import copy
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .amounts import format_value
from .errors import MollieError, invalid, not_found
from .methods import CATALOGUE, DEFAULT_ENABLED

PAYMENT_STATUSES = ("open", "pending", "authorized", "paid", "canceled", "expired", "failed")

# The outcomes a customer can pick on the hosted checkout page.
CHECKOUT_OUTCOMES = ("paid", "failed", "canceled", "expired")

# Statuses in which the checkout page still accepts an outcome.
CHECKOUT_OPEN_STATUSES = frozenset({"open", "pending"})

# Statuses in which DELETE /v2/payments/<id> cancels the payment. Mollie lets
# most methods be canceled while the payment is open (docs.mollie.com,
# "Cancel payment"); this server allows it for open payments of every method.
CANCELABLE_STATUSES = frozenset({"open"})

# Final statuses, for which Mollie leaves isCancelable out of the payment.
FINAL_STATUSES = frozenset({"paid", "canceled", "expired", "failed"})

STATUS_TIMESTAMP_FIELDS = {
    "authorized": "authorizedAt",
    "paid": "paidAt",
    "canceled": "canceledAt",
    "expired": "expiredAt",
    "failed": "failedAt",
}

# Mollie calls the webhook when a payment reaches one of these statuses, but
# not for open or pending (docs.mollie.com/docs/status-change).
WEBHOOK_PAYMENT_STATUSES = frozenset(STATUS_TIMESTAMP_FIELDS)

REFUND_STATUSES = ("queued", "pending", "processing", "refunded", "failed", "canceled")

# Refunds in these statuses count towards amountRefunded.
ACTIVE_REFUND_STATUSES = frozenset({"queued", "pending", "processing", "refunded"})

# Mollie calls the payment's webhook when a refund reaches one of these
# statuses (docs.mollie.com/payments/refunds, "Refund statuses").
WEBHOOK_REFUND_STATUSES = frozenset({"processing", "refunded", "failed"})

WEBHOOK_MODES = ("sync", "async", "none")

# NOTE: Mollie's expiry time depends on the method (bank transfer takes
# days). The local server only reports expiresAt and never expires a payment
# by itself. Use the checkout page or /_local/payments/<id>/status.
CHECKOUT_EXPIRY = timedelta(minutes=15)

ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 10


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Refund:
    id: str
    payment_id: str
    mode: str
    amount: Decimal
    currency: str
    description: str
    metadata: object
    status: str
    created_at: datetime


@dataclass
class Chargeback:
    id: str
    payment_id: str
    mode: str
    amount: Decimal
    currency: str
    reason: dict | None
    created_at: datetime


@dataclass
class Payment:
    id: str
    mode: str
    created_at: datetime
    expires_at: datetime
    amount: Decimal
    currency: str
    description: str
    redirect_url: str | None
    cancel_url: str | None
    webhook_url: str | None
    metadata: object
    requested_method: str | list[str] | None
    locale: str | None
    status: str = "open"
    method: str | None = None
    status_changed_at: dict[str, datetime] = field(default_factory=dict)
    refunds: list[Refund] = field(default_factory=list)
    chargebacks: list[Chargeback] = field(default_factory=list)

    @property
    def refunded_amount(self) -> Decimal:
        return sum(
            (refund.amount for refund in self.refunds if refund.status in ACTIVE_REFUND_STATUSES),
            Decimal("0"),
        )

    @property
    def charged_back_amount(self) -> Decimal:
        return sum((chargeback.amount for chargeback in self.chargebacks), Decimal("0"))

    @property
    def remaining_amount(self) -> Decimal:
        """Amount that can still be refunded.

        NOTE: this server also subtracts charged-back amounts, so a fully
        charged-back payment cannot be refunded. Mollie's exact rule for
        amountRemaining after a chargeback is not verified here.
        """
        remaining = self.amount - self.refunded_amount - self.charged_back_amount
        return max(remaining, Decimal("0"))

    def offered_methods(self, enabled_methods: list[str]) -> list[str]:
        if isinstance(self.requested_method, str):
            return [self.requested_method]
        if isinstance(self.requested_method, list) and self.requested_method:
            return list(self.requested_method)
        return list(enabled_methods)


@dataclass
class Settings:
    """Behaviour of the local server that tests may change."""

    enabled_methods: list[str] = field(default_factory=lambda: list(DEFAULT_ENABLED))
    # Status of a refund right after POST /v2/payments/<id>/refunds. Mollie
    # returns "pending", but "refunded" saves tests a step.
    refund_initial_status: str = "refunded"
    # How the webhook for a new refund is delivered: "async" after the
    # response, as Mollie does, "sync" before it, or "none".
    refund_webhook: str = "async"


@dataclass
class PaymentRequest:
    amount: Decimal
    currency: str
    description: str
    redirect_url: str | None
    cancel_url: str | None
    webhook_url: str | None
    metadata: object
    method: str | list[str] | None
    locale: str | None


@dataclass
class RefundRequest:
    amount: Decimal
    currency: str
    description: str
    metadata: object


@dataclass
class IdempotencyRecord:
    body: dict
    snapshot: object


class MollieStore:
    """Thread-safe in-memory data of the local Mollie server."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._payments: dict[str, Payment] = {}
        self._idempotency: dict[tuple[str, str, str], IdempotencyRecord] = {}
        self._used_ids: set[str] = set()
        self._settings = Settings()

    # Settings

    def settings(self) -> Settings:
        with self._lock:
            return copy.deepcopy(self._settings)

    def update_settings(self, **changes: object) -> Settings:
        """Change settings, after checking every value, and return the new settings."""
        _check_settings(changes)
        with self._lock:
            for name, value in changes.items():
                setattr(self._settings, name, copy.deepcopy(value))
            return copy.deepcopy(self._settings)

    def reset(self) -> None:
        """Delete all payments and idempotency keys and restore the default settings."""
        with self._lock:
            self._payments.clear()
            self._idempotency.clear()
            self._used_ids.clear()
            self._settings = Settings()

    # Payments

    def create_payment(
        self, *, mode: str, request: PaymentRequest, idempotency_key: str | None, body: dict
    ) -> tuple[Payment, bool]:
        """Create an open payment, or replay the one created earlier with the same key.

        Returns the payment as it was created and whether it was a replay.
        """
        with self._lock:
            replayed = self._replay(mode, "payments", idempotency_key, body)
            if replayed is not None:
                return copy.deepcopy(replayed), True

            now = self.clock()
            payment = Payment(
                id=self._new_id("tr_"),
                mode=mode,
                created_at=now,
                expires_at=now + CHECKOUT_EXPIRY,
                amount=request.amount,
                currency=request.currency,
                description=request.description,
                redirect_url=request.redirect_url,
                cancel_url=request.cancel_url,
                webhook_url=request.webhook_url,
                metadata=copy.deepcopy(request.metadata),
                requested_method=copy.deepcopy(request.method),
                locale=request.locale,
                method=request.method if isinstance(request.method, str) else None,
            )
            self._payments[payment.id] = payment
            self._remember(mode, "payments", idempotency_key, body, payment)
            return copy.deepcopy(payment), False

    def get_payment(self, payment_id: str, mode: str | None = None) -> Payment:
        """Return a payment. With a mode, only a payment created in that mode is found."""
        with self._lock:
            return copy.deepcopy(self._find_payment(payment_id, mode))

    def list_payments(self, mode: str | None = None) -> list[Payment]:
        """Return the payments, newest first, as Mollie lists them."""
        with self._lock:
            payments = [p for p in self._payments.values() if mode is None or p.mode == mode]
            return copy.deepcopy(list(reversed(payments)))

    def complete_checkout(self, payment_id: str, status: str, method: str | None) -> Payment:
        """Apply the outcome picked on the checkout page.

        Raises a 409 ``MollieError`` when the payment is no longer open or
        pending, so a second submit cannot change a finished payment.
        """
        if status not in CHECKOUT_OUTCOMES:
            raise invalid(
                f"Invalid status {status!r}: choose one of {', '.join(CHECKOUT_OUTCOMES)}.",
                "status",
            )
        with self._lock:
            payment = self._find_payment(payment_id, None)
            if payment.status not in CHECKOUT_OPEN_STATUSES:
                raise MollieError(
                    409,
                    f"Payment {payment_id} is already {payment.status}, so nothing was changed.",
                )
            self._apply_status(payment, status, method)
            return copy.deepcopy(payment)

    def set_payment_status(
        self, payment_id: str, status: str, method: str | None = None
    ) -> Payment:
        """Set any status, from any status, for tests (for example a late bank transfer)."""
        if status not in PAYMENT_STATUSES:
            raise invalid(
                f"Invalid status {status!r}: choose one of {', '.join(PAYMENT_STATUSES)}.", "status"
            )
        with self._lock:
            payment = self._find_payment(payment_id, None)
            self._apply_status(payment, status, method)
            return copy.deepcopy(payment)

    def cancel_payment(self, payment_id: str, mode: str) -> Payment:
        """Cancel a payment as DELETE /v2/payments/<id> does and return it.

        Raises a 422 ``MollieError`` when the payment is not cancelable, so a
        paid or pending payment stays as it is.
        """
        with self._lock:
            payment = self._find_payment(payment_id, mode)
            if payment.status not in CANCELABLE_STATUSES:
                raise invalid(
                    f"Payment {payment_id} is {payment.status} and cannot be canceled; "
                    "only an open payment can be canceled."
                )
            self._apply_status(payment, "canceled", None)
            return copy.deepcopy(payment)

    # Refunds

    def create_refund(
        self,
        *,
        payment_id: str,
        mode: str,
        request: RefundRequest,
        idempotency_key: str | None,
        body: dict,
    ) -> tuple[Refund, bool]:
        """Create a refund, or replay the one created earlier with the same key.

        Raises a 422 ``MollieError`` when the payment is not paid, the currency
        differs from the payment's, or the amount exceeds amountRemaining.
        """
        with self._lock:
            payment = self._find_payment(payment_id, mode)
            scope = f"payments/{payment_id}/refunds"
            replayed = self._replay(mode, scope, idempotency_key, body)
            if replayed is not None:
                return copy.deepcopy(replayed), True

            _check_refundable(payment, request)
            refund = Refund(
                id=self._new_id("re_"),
                payment_id=payment.id,
                mode=mode,
                amount=request.amount,
                currency=request.currency,
                description=request.description,
                metadata=copy.deepcopy(request.metadata),
                status=self._settings.refund_initial_status,
                created_at=self.clock(),
            )
            payment.refunds.append(refund)
            self._remember(mode, scope, idempotency_key, body, refund)
            return copy.deepcopy(refund), False

    def get_refund(self, payment_id: str, refund_id: str, mode: str | None = None) -> Refund:
        with self._lock:
            payment = self._find_payment(payment_id, mode)
            for refund in payment.refunds:
                if refund.id == refund_id:
                    return copy.deepcopy(refund)
        raise not_found(f"No refund exists with id {refund_id} for payment {payment_id}.")

    def set_refund_status(self, payment_id: str, refund_id: str, status: str) -> Refund:
        if status not in REFUND_STATUSES:
            raise invalid(
                f"Invalid status {status!r}: choose one of {', '.join(REFUND_STATUSES)}.", "status"
            )
        with self._lock:
            payment = self._find_payment(payment_id, None)
            for refund in payment.refunds:
                if refund.id == refund_id:
                    refund.status = status
                    return copy.deepcopy(refund)
        raise not_found(f"No refund exists with id {refund_id} for payment {payment_id}.")

    # Chargebacks

    def create_chargeback(
        self, payment_id: str, amount: Decimal, currency: str, reason: dict | None
    ) -> Chargeback:
        """Record a chargeback on a paid payment, which stays paid, as at Mollie.

        Raises a 422 ``MollieError`` when the payment is not paid or the total
        charged back would exceed the payment amount.
        """
        with self._lock:
            payment = self._find_payment(payment_id, None)
            _check_chargeback(payment, amount, currency)
            chargeback = Chargeback(
                id=self._new_id("chb_"),
                payment_id=payment.id,
                mode=payment.mode,
                amount=amount,
                currency=currency,
                reason=copy.deepcopy(reason),
                created_at=self.clock(),
            )
            payment.chargebacks.append(chargeback)
            return copy.deepcopy(chargeback)

    def get_chargeback(
        self, payment_id: str, chargeback_id: str, mode: str | None = None
    ) -> Chargeback:
        with self._lock:
            payment = self._find_payment(payment_id, mode)
            for chargeback in payment.chargebacks:
                if chargeback.id == chargeback_id:
                    return copy.deepcopy(chargeback)
        raise not_found(f"No chargeback exists with id {chargeback_id} for payment {payment_id}.")

    # The helpers below expect the caller to hold self._lock.

    def _find_payment(self, payment_id: str, mode: str | None) -> Payment:
        payment = self._payments.get(payment_id)
        if payment is None or (mode is not None and payment.mode != mode):
            raise not_found(f"No payment exists with id {payment_id}.")
        return payment

    def _apply_status(self, payment: Payment, status: str, method: str | None) -> None:
        payment.status = status
        timestamp_field = STATUS_TIMESTAMP_FIELDS.get(status)
        if timestamp_field is not None:
            payment.status_changed_at[timestamp_field] = self.clock()
        if status == "paid":
            offered = payment.offered_methods(self._settings.enabled_methods)
            payment.method = method or payment.method or offered[0]

    def _new_id(self, prefix: str) -> str:
        while True:
            candidate = prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
            if candidate not in self._used_ids:
                self._used_ids.add(candidate)
                return candidate

    def _replay(
        self, mode: str, scope: str, idempotency_key: str | None, body: dict
    ) -> object | None:
        """Return the object created earlier with this key, or None.

        NOTE: Mollie's exact response to a reused key with a different body is
        not verified, and this server rejects it with 422.
        """
        if not idempotency_key:
            return None
        record = self._idempotency.get((mode, scope, idempotency_key))
        if record is None:
            return None
        if record.body != body:
            raise invalid(
                f"Idempotency-Key {idempotency_key!r} was already used with a different "
                "request body. Send a new key for a new request.",
            )
        return record.snapshot

    def _remember(
        self, mode: str, scope: str, idempotency_key: str | None, body: dict, created: object
    ) -> None:
        if idempotency_key:
            record = IdempotencyRecord(body=copy.deepcopy(body), snapshot=copy.deepcopy(created))
            self._idempotency[(mode, scope, idempotency_key)] = record


def _check_refundable(payment: Payment, request: RefundRequest) -> None:
    if payment.status != "paid":
        raise invalid(
            f"Payment {payment.id} is {payment.status}, but only a paid payment can be refunded."
        )
    if request.currency != payment.currency:
        raise invalid(
            f"Invalid amount.currency {request.currency!r}: the payment is in {payment.currency}.",
            "amount.currency",
        )
    currency = payment.currency
    remaining = payment.remaining_amount
    if request.amount > remaining:
        raise invalid(
            f"The refund amount {currency} {format_value(request.amount, currency)} "
            f"exceeds the refundable amount {currency} {format_value(remaining, currency)}.",
            "amount",
        )


def _check_chargeback(payment: Payment, amount: Decimal, currency: str) -> None:
    if payment.status != "paid":
        raise invalid(
            f"Payment {payment.id} is {payment.status}, "
            "but only a paid payment can be charged back."
        )
    if currency != payment.currency:
        raise invalid(
            f"Invalid amount.currency {currency!r}: the payment is in {payment.currency}.",
            "amount.currency",
        )
    open_amount = payment.amount - payment.charged_back_amount
    if amount <= 0:
        raise invalid(
            f"Payment {payment.id} is fully charged back, so nothing is left to charge back.",
            "amount",
        )
    if amount > open_amount:
        raise invalid(
            f"The chargeback amount {currency} {format_value(amount, currency)} exceeds the amount "
            f"not yet charged back, {currency} {format_value(open_amount, currency)}.",
            "amount",
        )


def _check_settings(changes: dict[str, object]) -> None:
    for name, value in changes.items():
        if name == "enabled_methods":
            _check_enabled_methods(value)
        elif name == "refund_initial_status":
            if value not in REFUND_STATUSES:
                raise invalid(
                    f"Invalid refundInitialStatus {value!r}: "
                    f"choose one of {', '.join(REFUND_STATUSES)}."
                )
        elif name == "refund_webhook":
            if value not in WEBHOOK_MODES:
                raise invalid(
                    f"Invalid refundWebhook {value!r}: choose one of {', '.join(WEBHOOK_MODES)}."
                )
        else:
            raise invalid(f"Unknown setting {name!r}.")


def _check_enabled_methods(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise invalid("Invalid methods: send a non-empty list of method ids.", "methods")
    unknown = [method for method in value if method not in CATALOGUE]
    if unknown:
        raise invalid(
            f"Unknown methods {unknown}: choose from {', '.join(CATALOGUE)}.",
            "methods",
        )

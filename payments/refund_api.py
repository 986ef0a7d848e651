"""REST endpoint to refund a Mollie payment, optionally paired with the credit note that settles it."""

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from invoices.models import Invoice, Payment
from payments.refunds import mollie_refund_create
from payt.api_auth import TenantApiViewMixin
from payt.api_base import ApiViewMixin, ErrorSerializer
from payt.api_errors import DomainError
from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, format_amount


class RefundCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        help_text="Amount to return to the debtor, in the payment's currency, for example 50.00.",
    )
    credit_note = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=(
            "Id of the debtor's credit note that settles the refunded money; the invoice then stays paid. "
            "Without it the refund reopens the invoices by the refunded amount."
        ),
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


class RefundSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Mollie's refund id (re_...).")
    payment = serializers.UUIDField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField(help_text="Mollie's refund status, for example pending or refunded.")
    credit_note = serializers.CharField(allow_null=True, help_text="Number of the paired credit note.")


class PaymentRefundView(TenantApiViewMixin, ApiViewMixin, APIView):
    """Refund part or all of a payment received through Mollie."""

    @extend_schema(
        request=RefundCreateSerializer,
        responses={
            201: RefundSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="An invalid field; credit_note names a document of another debtor, not a credit "
                "note, or one with too little credit left.",
            ),
            404: ErrorSerializer,
            422: OpenApiResponse(ErrorSerializer, description="not_mollie, not_paid or exceeds_refundable."),
            502: OpenApiResponse(ErrorSerializer, description="Mollie could not be reached or rejected the call."),
        },
    )
    def post(self, request, payment_id):
        payment = Payment.objects.for_organization(self.organization).filter(pk=payment_id).first()
        if payment is None:
            raise DomainError(f"No payment with id {payment_id}.", code="not_found", field="payment", status_code=404)
        mollie_payment = getattr(payment, "mollie_payment", None)
        if mollie_payment is None:
            raise DomainError(
                f"Payment {payment_id} was not received through Mollie; refund it from your bank account.",
                code="not_mollie",
                field="payment",
                status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        serializer = RefundCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        credit_note = self._credit_note(data.get("credit_note"))

        refund = mollie_refund_create(
            mollie_payment=mollie_payment,
            amount=data["amount"],
            description=data["description"],
            credit_note=credit_note,
        )
        body = {
            "id": refund.id,
            "payment": payment.pk,
            "amount": format_amount(data["amount"]),
            "currency": mollie_payment.currency,
            "status": refund.status,
            "credit_note": credit_note.number if credit_note else None,
        }
        return Response(RefundSerializer(body).data, status=status.HTTP_201_CREATED)

    def _credit_note(self, credit_note_id: uuid.UUID | None) -> Invoice | None:
        if credit_note_id is None:
            return None
        credit_note = Invoice.objects.for_organization(self.organization).filter(pk=credit_note_id).first()
        if credit_note is None:
            raise DomainError(
                f"No credit note with id {credit_note_id}; send the id of a credit note of this debtor.",
                code="not_found",
                field="credit_note",
            )
        return credit_note

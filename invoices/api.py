"""REST API of invoices, credit notes and payments, and the UBL import endpoint."""

import uuid
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from debtors.selectors import get_debtor_in_organization
from invoices.filters import InvoiceFilter, PaymentFilter
from invoices.imports import (
    check_document_date,
    check_due_after_issue,
    invoice_import_json,
    invoice_import_ubl,
    normalize_currency,
    payment_import,
)
from invoices.lines import QUANTITY_PLACES, UNIT_PRICE_PLACES, LineInput, invoice_totals
from invoices.models import Allocation, DocumentKind, Invoice, InvoiceLine, InvoiceStatus, Payment
from invoices.selectors import invoice_status
from invoices.services import invoice_cancel
from payt.api_auth import TenantApiViewMixin
from payt.api_base import ApiViewMixin, ErrorSerializer, TextXmlBodyParser, XmlBodyParser
from payt.dates import days_past_due, local_today
from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, format_amount
from portal.services import portal_url_for_invoice, portal_urls_for_debtors


def money_field(**kwargs) -> serializers.DecimalField:
    # Input with more than two decimals is rejected; output is rounded half up, never half to even.
    return serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, rounding=ROUND_HALF_UP, **kwargs
    )


def _currency(value: str) -> str:
    try:
        return normalize_currency(value)
    except ValueError as error:
        raise serializers.ValidationError(str(error)) from None


def _document_date(value):
    try:
        check_document_date(value)
    except ValueError as error:
        raise serializers.ValidationError(str(error)) from None
    return value


# --- Serializers ----------------------------------------------------------------------

MAX_LINES = 5000
TOTAL_REQUIRED = "This field is required unless lines are given; send the total including VAT."


def _line_quantity(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=QUANTITY_PLACES, **kwargs)


def _line_unit_price(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=UNIT_PRICE_PLACES, **kwargs)


def _vat_rate(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=5, decimal_places=2, **kwargs)


class InvoiceLineSerializer(serializers.Serializer):
    """An invoice line as the API returns it."""

    position = serializers.IntegerField()
    description = serializers.CharField()
    quantity = _line_quantity()
    unit_price = _line_unit_price()
    vat_rate = _vat_rate(help_text="Percent.")
    line_net = money_field(help_text="Quantity x unit price rounded half up, or the amount the UBL line states.")


class InvoiceLineInputSerializer(serializers.Serializer):
    """An invoice line sent with ``POST /api/v1/invoices/``."""

    description = serializers.CharField(max_length=500)
    quantity = _line_quantity(help_text="Negative for a returned or discounted quantity.")
    unit_price = _line_unit_price(help_text="Price per unit excluding VAT, up to six decimals.")
    vat_rate = _vat_rate(min_value=Decimal("0"), max_value=Decimal("100"), help_text="Percent, for example 21.")
    line_net = money_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional check: quantity x unit price rounded half up to the cent; a different value is rejected.",
    )


class InvoiceSerializer(serializers.Serializer):
    """An invoice or credit note as the API returns it. Amounts are strings with two decimals.

    The context must hold ``today`` (the organisation's local date) and may
    hold ``portal_urls``, a map from debtor id to the debtor's portal URL.
    """

    id = serializers.UUIDField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    debtor = serializers.UUIDField(source="debtor_id")
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    due_date_derived = serializers.BooleanField(
        help_text="True when the due date was derived from the organisation's default payment term."
    )
    currency = serializers.CharField()
    total_amount = money_field(help_text="Total including VAT; negative for a negative (credit) invoice.")
    vat_amount = money_field()
    open_amount = money_field(
        source="balance",
        help_text="Amount still owed; negative for the part of a credit document not yet allocated.",
    )
    status = serializers.SerializerMethodField()
    days_past_due = serializers.SerializerMethodField()
    payment_reference = serializers.CharField()
    preceding_number = serializers.CharField()
    external_id = serializers.CharField()
    source_format = serializers.CharField()
    portal_url = serializers.SerializerMethodField()
    lines = InvoiceLineSerializer(many=True, help_text="The invoice lines in document order; [] when none were sent.")
    cancelled_at = serializers.DateTimeField(
        allow_null=True, help_text="When the invoice was cancelled; a cancelled invoice can no longer be paid."
    )
    replaced_by = serializers.UUIDField(
        source="replaced_by_id", allow_null=True, help_text="Id of the invoice issued in place of this one."
    )
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=InvoiceStatus.choices))
    def get_status(self, invoice: Invoice) -> str:
        return invoice_status(invoice, self.context["today"])

    def get_days_past_due(self, invoice: Invoice) -> int:
        if invoice.is_credit or invoice.open_amount <= 0:
            return 0
        return days_past_due(invoice.due_date, self.context["today"])

    @extend_schema_field(OpenApiTypes.URI)
    def get_portal_url(self, invoice: Invoice) -> str:
        debtor_url = self.context.get("portal_urls", {}).get(invoice.debtor_id)
        if debtor_url is None:
            return portal_url_for_invoice(invoice)
        return f"{debtor_url}?invoice={invoice.pk}"


class InvoiceCreateSerializer(serializers.Serializer):
    """Fields of ``POST /api/v1/invoices/``.

    A credit note is sent with kind credit_note and a positive total.
    """

    number = serializers.CharField(max_length=100)
    external_id = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    debtor = serializers.UUIDField(help_text="Id of a debtor of this organisation.")
    kind = serializers.ChoiceField(choices=DocumentKind.choices, default=DocumentKind.INVOICE)
    issue_date = serializers.DateField()
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Default: from the organisation's payment term, days after the issue date "
            "or months after the end of the invoice month."
        ),
    )
    currency = serializers.CharField(max_length=20, default="EUR", help_text="ISO 4217 code.")
    total_amount = money_field(
        min_value=Decimal("0"),
        required=False,
        default=None,
        help_text=(
            'Total including VAT, for example "1656.25". Required without lines; with lines it is computed '
            "from them, and a total that differs is rejected."
        ),
    )
    vat_amount = money_field(
        min_value=Decimal("0"),
        required=False,
        default=None,
        help_text="VAT included in the total. Default: computed from the lines, or 0.00 without lines.",
    )
    payment_reference = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    preceding_number = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text="For a credit note: number of the invoice it corrects, to which the credit is allocated.",
    )
    lines = InvoiceLineInputSerializer(
        many=True,
        required=False,
        default=list,
        max_length=MAX_LINES,
        help_text=(
            "Optional invoice lines. Each line net is quantity x unit price rounded half up; VAT is computed "
            "per rate over the line nets and rounded half up."
        ),
    )

    def to_internal_value(self, data):
        # validate() runs only when every field is valid, so a missing total is reported here
        # together with the other field errors.
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict) and _total_missing(data):
                error.detail.setdefault("total_amount", [TOTAL_REQUIRED])
            raise

    def validate_debtor(self, value: uuid.UUID):
        debtor = get_debtor_in_organization(value, self.context["organization"])
        if debtor is None:
            raise serializers.ValidationError(f"Debtor {value} not found; create it first with POST /api/v1/debtors/.")
        return debtor

    def validate_currency(self, value: str) -> str:
        return _currency(value)

    def validate_issue_date(self, value):
        return _document_date(value)

    def validate_due_date(self, value):
        return _document_date(value) if value is not None else None

    def validate(self, data: dict) -> dict:
        try:
            check_due_after_issue(data["issue_date"], data["due_date"])
        except ValueError as error:
            raise serializers.ValidationError({"due_date": str(error)}) from None
        if data["lines"]:
            data.update(_totals_from_lines(data["lines"], data["total_amount"], data["vat_amount"]))
        elif data["total_amount"] is None:
            raise serializers.ValidationError({"total_amount": TOTAL_REQUIRED})
        elif data["vat_amount"] is None:
            data["vat_amount"] = Decimal("0.00")
        if data["vat_amount"] > data["total_amount"]:
            raise serializers.ValidationError(
                {
                    "vat_amount": f"VAT {data['vat_amount']} exceeds the total "
                    f"{data['total_amount']}; the total includes VAT."
                }
            )
        return data


def _plain(value: Decimal) -> str:
    """Write a quantity or price without trailing zeros: 1, 12.5, 0.625."""
    return f"{value.normalize():f}"


def _total_missing(data) -> bool:
    return isinstance(data, Mapping) and data.get("total_amount") is None and not data.get("lines")


def _totals_from_lines(lines: list[dict], total_amount: Decimal | None, vat_amount: Decimal | None) -> dict:
    """Return the total, VAT and ``LineInput`` lines, or raise naming the field that disagrees with the lines."""
    # A JSON line's net is always quantity x unit price; a line_net sent along only checks that.
    inputs = [LineInput(**{**line, "line_net": None}) for line in lines]
    totals = invoice_totals(inputs)

    for index, (line, net) in enumerate(zip(lines, totals.line_nets, strict=True)):
        if line["line_net"] is not None and line["line_net"] != net:
            raise serializers.ValidationError(
                {
                    f"lines[{index}].line_net": f"{line['line_net']} differs from quantity {_plain(line['quantity'])} "
                    f"x unit price {_plain(line['unit_price'])} = {net} (rounded half up); "
                    f"send {net} or leave line_net out."
                }
            )
    if totals.gross < 0:
        raise serializers.ValidationError(
            {"lines": f"The lines add up to {totals.gross}; send a credit note with positive lines instead."}
        )
    checks = (("total_amount", total_amount, totals.gross), ("vat_amount", vat_amount, totals.vat))
    for field, sent, computed in checks:
        if sent is not None and sent != computed:
            raise serializers.ValidationError(
                {
                    field: f"{sent} does not match the lines: net {totals.net} + VAT {totals.vat} = {totals.gross} "
                    f"(VAT per rate, rounded half up); send {computed} or correct the lines."
                }
            )
    return {"total_amount": totals.gross, "vat_amount": totals.vat, "lines": inputs}
class InvoiceCancelSerializer(serializers.Serializer):
    """Fields of ``POST /api/v1/invoices/{id}/cancel/``."""

    reason = serializers.CharField(
        max_length=300,
        help_text="Why the invoice is cancelled.",
        error_messages={
            "required": (
                'reason is missing; send why the invoice is cancelled, for example {{"reason": "Wrong amount"}}.'
            ),
            "blank": 'reason is empty; send why the invoice is cancelled, for example {{"reason": "Wrong amount"}}.',
        },
    )
    replaced_by = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="Id of the invoice issued in its place."
    )

    def validate_replaced_by(self, value: uuid.UUID | None) -> Invoice | None:
        if value is None:
            return None
        invoice = Invoice.objects.for_organization(self.context["organization"]).filter(pk=value).first()
        if invoice is None:
            raise serializers.ValidationError(f"Invoice {value} not found in this organisation.")
        return invoice


class AllocationSerializer(serializers.Serializer):
    invoice = serializers.UUIDField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.number")
    amount = money_field()


class PaymentSerializer(serializers.Serializer):
    """A payment with the invoices it is allocated to. The rest stays unallocated on the debtor."""

    id = serializers.UUIDField()
    amount = money_field()
    currency = serializers.CharField()
    date = serializers.DateField(source="payment_date")
    source = serializers.CharField()
    reference = serializers.CharField()
    external_id = serializers.CharField()
    debtor = serializers.UUIDField(source="debtor_id", allow_null=True)
    allocations = AllocationSerializer(many=True)
    unallocated_amount = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_unallocated_amount(self, payment: Payment) -> str:
        allocated = sum((allocation.amount for allocation in payment.allocations.all()), start=0)
        return format_amount(payment.amount - payment.reversed_amount - allocated)


class PaymentCreateSerializer(serializers.Serializer):
    """Fields of ``POST /api/v1/payments/``: name the invoice by exactly one of three keys."""

    amount = money_field(min_value=Decimal("0.01"))
    date = serializers.DateField(source="payment_date", help_text="Payment date (YYYY-MM-DD).")
    currency = serializers.CharField(max_length=20, default="EUR", help_text="ISO 4217 code.")
    invoice = serializers.UUIDField(source="invoice_id", required=False, default=None, help_text="Invoice id.")
    invoice_number = serializers.CharField(max_length=100, required=False, default="")
    payment_reference = serializers.CharField(
        max_length=40,
        required=False,
        default="",
        help_text="Payment reference; may select several invoices, paid oldest due first.",
    )
    reference = serializers.CharField(max_length=140, required=False, default="", allow_blank=True)
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text="Your id of the payment; sending it again returns the first payment.",
    )

    # Input name and key in validated data of each way to name the invoice.
    _TARGETS = {
        "invoice": "invoice_id",
        "invoice_number": "invoice_number",
        "payment_reference": "payment_reference",
    }

    def validate_currency(self, value: str) -> str:
        return _currency(value)

    def validate_date(self, value):
        return _document_date(value)

    def validate(self, data: dict) -> dict:
        named_by = [name for name, key in self._TARGETS.items() if data.get(key)]
        if len(named_by) != 1:
            message = "Name the invoice with exactly one of invoice, invoice_number or payment_reference."
            raise serializers.ValidationError({name: message for name in (named_by or self._TARGETS)})
        return data


# --- Views ----------------------------------------------------------------------------


class InvoiceViewSet(TenantApiViewMixin, ApiViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices and credit notes of the caller's organisation.

    Register one as JSON, list them with filters, fetch one by id.
    """

    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invoice.objects_unscoped.none()
        # The stored source document can be megabytes per row and no response contains it.
        invoices = Invoice.objects.for_organization(self.organization).defer("source_document")
        lines = InvoiceLine.objects.for_organization(self.organization).order_by("position")
        invoices = invoices.prefetch_related(Prefetch("lines", queryset=lines))
        return invoices.order_by("-issue_date", "number", "kind", "id")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if hasattr(self, "organization"):
            context.update(organization=self.organization, today=local_today(self.organization))
        return context

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        debtor_ids = {invoice.debtor_id for invoice in page}
        context["portal_urls"] = portal_urls_for_debtors(organization_id=self.organization.pk, debtor_ids=debtor_ids)
        return self.get_paginated_response(InvoiceSerializer(page, many=True, context=context).data)

    @extend_schema(
        request=InvoiceCreateSerializer,
        responses={
            201: InvoiceSerializer,
            200: OpenApiResponse(InvoiceSerializer, description="The same invoice was sent before."),
            400: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The number exists with other content."),
        },
    )
    def create(self, request):
        serializer = InvoiceCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        invoice, created = invoice_import_json(organization=self.organization, **serializer.validated_data)
        data = InvoiceSerializer(invoice, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=InvoiceCancelSerializer,
        responses={200: InvoiceSerializer, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an unpaid invoice; its portal link then points to the replacing invoice."""
        invoice = self.get_object()
        serializer = InvoiceCancelSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        invoice = invoice_cancel(
            invoice=invoice,
            reason=serializer.validated_data["reason"],
            replaced_by=serializer.validated_data["replaced_by"],
        )
        return Response(InvoiceSerializer(invoice, context=self.get_serializer_context()).data)


class UblImportView(TenantApiViewMixin, ApiViewMixin, APIView):
    """Import one UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0) sent as the body."""

    parser_classes = [XmlBodyParser, TextXmlBodyParser]

    @extend_schema(
        request={"application/xml": OpenApiTypes.BINARY, "text/xml": OpenApiTypes.BINARY},
        responses={
            201: InvoiceSerializer,
            200: OpenApiResponse(InvoiceSerializer, description="The same document was sent before."),
            400: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The number exists with other content."),
            413: ErrorSerializer,
            415: ErrorSerializer,
        },
    )
    def post(self, request):
        content = request.data if isinstance(request.data, bytes) else b""
        invoice, created = invoice_import_ubl(organization=self.organization, content=content)
        context = {"today": local_today(self.organization)}
        data = InvoiceSerializer(invoice, context=context).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PaymentViewSet(
    TenantApiViewMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Payments received: record one against an invoice, list, fetch one with its allocations."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects_unscoped.none()
        allocations = (
            Allocation.objects.for_organization(self.organization).select_related("invoice").order_by("created_at")
        )
        return (
            Payment.objects.for_organization(self.organization)
            .prefetch_related(Prefetch("allocations", queryset=allocations))
            .order_by("-payment_date", "-created_at", "id")
        )

    @extend_schema(
        request=PaymentCreateSerializer,
        responses={
            201: PaymentSerializer,
            200: OpenApiResponse(PaymentSerializer, description="A payment with this external id exists."),
            400: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def create(self, request):
        serializer = PaymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment, created = payment_import(organization=self.organization, **serializer.validated_data)
        payment = self.get_queryset().get(pk=payment.pk)
        return Response(
            PaymentSerializer(payment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

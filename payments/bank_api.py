"""REST API of bank statements: upload a file, list statements and entries, decide waiting entries.

``POST /api/v1/bank-statements/`` takes the file as multipart form field
``file``, or as the raw request body (application/xml, text/xml, text/plain or
application/octet-stream). The response is 201 with the new statement, 200
with ``duplicate`` true when the same file was imported before, or 409 with
code ``conflict`` when an earlier file of the same account had the same message id
and other content.
"""

import datetime as dt
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from invoices.models import DocumentKind, Invoice, Payment
from payments.bank_selectors import entries_of, statements_of
from payments.bank_services import bank_entry_confirm, bank_entry_dismiss, bank_entry_reverse, bank_statement_import
from payments.models import BankEntryStatus, BankStatement, BankStatementEntry
from payt.api_auth import TenantApiViewMixin
from payt.api_base import API_MAX_BODY_BYTES, ApiViewMixin, ErrorSerializer, TextXmlBodyParser, XmlBodyParser
from payt.api_errors import DomainError
from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


class PlainTextBodyParser(XmlBodyParser):
    """MT940 files sent as the raw body."""

    media_type = "text/plain"


class OctetStreamBodyParser(XmlBodyParser):
    media_type = "application/octet-stream"


class BoundedMultiPartParser(MultiPartParser):
    """Multipart parser that rejects a body above ``API_MAX_BODY_BYTES`` before reading it."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if declared > API_MAX_BODY_BYTES:
            raise DomainError(
                f"The upload is {declared} bytes and the maximum is {API_MAX_BODY_BYTES} bytes (5 MiB); "
                "export a shorter statement period.",
                code="too_large",
                field="file",
                status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        return super().parse(stream, media_type, parser_context)


# --- Serializers ----------------------------------------------------------------------


class RejectedEntrySerializer(serializers.Serializer):
    position = serializers.CharField(help_text='Entry in the file: "3", "3.2" (transaction 2 of a batch), "2:3".')
    message = serializers.CharField()


class BankStatementSerializer(serializers.Serializer):
    """An imported bank file, with its entries counted per status."""

    id = serializers.UUIDField()
    file_format = serializers.CharField(help_text="camt.053, camt.054 or mt940.")
    file_name = serializers.CharField()
    message_id = serializers.CharField(help_text="CAMT GrpHdr/MsgId, or MT940 reference, account and number.")
    account_iban = serializers.CharField()
    entry_count = serializers.IntegerField()
    rejected_entries = RejectedEntrySerializer(many=True)
    created_at = serializers.DateTimeField()


class BankImportSerializer(BankStatementSerializer):
    duplicate = serializers.BooleanField(help_text="True when this file was imported before; nothing changed.")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Entries per status.")
    message = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    invoice = serializers.UUIDField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.number")
    amount = money_field()


class BankEntrySerializer(serializers.Serializer):
    """One booked amount of a statement, with the invoices matched or suggested for it."""

    id = serializers.UUIDField()
    statement = serializers.UUIDField(source="statement_id")
    position = serializers.CharField()
    booking_date = serializers.DateField(allow_null=True)
    value_date = serializers.DateField(allow_null=True)
    amount = money_field(help_text="Always positive; credit_debit gives the direction.")
    currency = serializers.CharField()
    credit_debit = serializers.ChoiceField(choices=["CRDT", "DBIT"])
    is_reversal = serializers.BooleanField()
    booking_status = serializers.CharField()
    structured_reference = serializers.CharField()
    reference_type = serializers.CharField()
    remittance_text = serializers.CharField()
    additional_info = serializers.CharField()
    end_to_end_id = serializers.CharField()
    mandate_id = serializers.CharField()
    bank_reference = serializers.CharField()
    counterparty_name = serializers.CharField()
    counterparty_iban = serializers.CharField()
    bank_transaction_code = serializers.CharField()
    return_reason = serializers.CharField(help_text="ISO 20022 return reason, for example AC06.")
    status = serializers.ChoiceField(choices=BankEntryStatus.choices)
    note = serializers.CharField()
    match_method = serializers.CharField()
    match_confidence = serializers.IntegerField(help_text="0-100; from 90 the match is applied automatically.")
    payment = serializers.UUIDField(source="payment_id", allow_null=True)
    reversed_payment = serializers.UUIDField(source="reversed_payment_id", allow_null=True)
    suggestions = SuggestionSerializer(many=True)


class AllocationInputSerializer(serializers.Serializer):
    invoice = serializers.UUIDField(help_text="Id of an invoice of this organisation.")
    amount = money_field(min_value=Decimal("0.01"))


class ConfirmSerializer(serializers.Serializer):
    allocations = AllocationInputSerializer(many=True, allow_empty=False)


class ReverseSerializer(serializers.Serializer):
    payment = serializers.UUIDField(help_text="Id of the payment that the reversal takes back.")


# --- Views ----------------------------------------------------------------------------


class BankStatementViewSet(
    TenantApiViewMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bank statements: upload a CAMT.053, CAMT.054 or MT940 file; list and fetch imported ones."""

    serializer_class = BankStatementSerializer
    parser_classes = [
        BoundedMultiPartParser,
        XmlBodyParser,
        TextXmlBodyParser,
        PlainTextBodyParser,
        OctetStreamBodyParser,
    ]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankStatement.objects_unscoped.none()
        return statements_of(self.organization)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer("BankStatementUpload", {"file": serializers.FileField()}),
            "application/xml": OpenApiTypes.BINARY,
            "text/plain": OpenApiTypes.BINARY,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        responses={
            201: BankImportSerializer,
            200: OpenApiResponse(BankImportSerializer, description="The file was imported before; nothing changed."),
            400: ErrorSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="The message id was imported for this account with other content."
            ),
            413: ErrorSerializer,
            415: ErrorSerializer,
        },
    )
    def create(self, request):
        content, file_name = self._uploaded_file(request)
        result = bank_statement_import(organization=self.organization, content=content, file_name=file_name)
        data = dict(BankStatementSerializer(result.statement).data)
        data["duplicate"] = not result.created
        data["counts"] = result.counts
        data["message"] = _import_message(result)
        return Response(data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    def _uploaded_file(self, request) -> tuple[bytes, str]:
        if isinstance(request.data, bytes):
            return request.data, ""
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError(
                "No file was sent; send the statement as multipart form field 'file' or as the request body.",
                code="missing_file",
                field="file",
            )
        return upload.read(API_MAX_BODY_BYTES + 1), upload.name or ""


def _import_message(result) -> str:
    statement = result.statement
    if not result.created:
        imported_at = statement.created_at.astimezone(dt.UTC)
        return (
            f"This file was already imported on {imported_at:%Y-%m-%d %H:%M} UTC "
            f"(message id {statement.message_id}); nothing was changed."
        )
    counts = result.counts
    entries = "entry" if statement.entry_count == 1 else "entries"
    return (
        f"Imported {statement.entry_count} {entries}. Applied: {counts['applied']}, waiting for review: "
        f"{counts['review']}, reversals applied: {counts['reversed']}, "
        f"rejected: {len(statement.rejected_entries)}."
    )


class BankEntryViewSet(
    TenantApiViewMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Entries of imported statements; those with status review wait for a decision."""

    serializer_class = BankEntrySerializer

    def _check_media_type(self, request) -> None:
        # The dismiss action takes no body, so a POST without one needs no Content-Type.
        if not request.META.get("CONTENT_LENGTH") or request.META.get("CONTENT_LENGTH") == "0":
            return
        super()._check_media_type(request)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankStatementEntry.objects_unscoped.none()
        entries = entries_of(self.organization)
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in BankEntryStatus.values:
                raise DomainError(
                    f"Status {wanted[:40]!r} is unknown; use one of {', '.join(BankEntryStatus.values)}.",
                    code="invalid",
                    field="status",
                )
            entries = entries.filter(status=wanted)
        return entries

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=BankEntryStatus.values, description="Only this status.")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=ConfirmSerializer,
        responses={200: BankEntrySerializer, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Apply a waiting credit to the invoices and amounts given; a rest stays unallocated on the debtor."""
        entry = self.get_object()
        serializer = ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        allocations = [
            (self._invoice(row["invoice"]), row["amount"]) for row in serializer.validated_data["allocations"]
        ]
        entry = bank_entry_confirm(entry=entry, allocations=allocations, user=None)
        return Response(BankEntrySerializer(self.get_queryset().get(pk=entry.pk)).data)

    @extend_schema(
        request=ReverseSerializer,
        responses={200: BankEntrySerializer, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Take back the given payment for a waiting reversal whose original was not found."""
        entry = self.get_object()
        serializer = ReverseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = Payment.objects.for_organization(self.organization).filter(pk=serializer.validated_data["payment"])
        if not payment.exists():
            raise DomainError(
                f"No payment with id {serializer.validated_data['payment']} exists in this organisation.",
                code="not_found",
                field="payment",
            )
        entry = bank_entry_reverse(entry=entry, payment=payment.get(), user=None)
        return Response(BankEntrySerializer(self.get_queryset().get(pk=entry.pk)).data)

    @extend_schema(
        request=None,
        responses={200: BankEntrySerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Set a waiting entry aside: it concerns no invoice."""
        entry = bank_entry_dismiss(entry=self.get_object(), user=None)
        return Response(BankEntrySerializer(self.get_queryset().get(pk=entry.pk)).data)

    def _invoice(self, invoice_id) -> Invoice:
        invoice = (
            Invoice.objects.for_organization(self.organization)
            .filter(pk=invoice_id, kind=DocumentKind.INVOICE)
            .select_related("debtor")
            .first()
        )
        if invoice is None:
            raise DomainError(
                f"No invoice with id {invoice_id} exists in this organisation.", code="not_found", field="allocations"
            )
        return invoice

"""REST API of the dunning engine: a reminder sent now, at a credit controller's request."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dunning.services import reminder_create_manual
from invoices.models import Invoice
from payt.api_auth import TenantApiViewMixin
from payt.api_base import ApiViewMixin, ErrorSerializer
from payt.api_errors import DomainError
from payt.dates import local_today


class ReminderSerializer(serializers.Serializer):
    message_id = serializers.UUIDField(help_text="The outbox message that carries the reminder.")
    invoice = serializers.CharField(help_text="Invoice number.")
    step = serializers.CharField(help_text="Template of the dunning step queued.")
    channel = serializers.CharField()
    days_overdue = serializers.IntegerField()
    run_date = serializers.DateField()


class InvoiceReminderView(TenantApiViewMixin, ApiViewMixin, APIView):
    """Queue the invoice's next dunning step today; refused before the invoice is overdue."""

    @extend_schema(
        request=None,
        responses={
            201: ReminderSerializer,
            400: OpenApiResponse(ErrorSerializer, description="not_overdue: the due date has not passed."),
            404: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="held_back or workflow_finished."),
        },
    )
    def post(self, request, invoice_id):
        invoices = Invoice.objects.for_organization(self.organization).select_related("debtor")
        invoice = invoices.filter(pk=invoice_id).first()
        if invoice is None or invoice.is_credit:
            raise DomainError(f"No invoice with id {invoice_id}.", code="not_found", field="invoice", status_code=404)
        today = local_today(self.organization)
        reminder = reminder_create_manual(invoice=invoice, today=today)
        data = {
            "message_id": reminder.message.pk,
            "invoice": invoice.number,
            "step": reminder.step.template,
            "channel": reminder.step.channel,
            "days_overdue": reminder.days_past_due,
            "run_date": today,
        }
        return Response(ReminderSerializer(data).data, status=status.HTTP_201_CREATED)

"""Query-string filters of the invoice and payment API lists."""

import django_filters

from invoices.models import DocumentKind, Invoice, InvoiceStatus, Payment
from invoices.selectors import status_condition
from payt.dates import local_today


class InvoiceFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(help_text="Exact invoice or credit note number.")
    external_id = django_filters.CharFilter(help_text="Exact id in the accounting package.")
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices)
    status = django_filters.ChoiceFilter(
        choices=InvoiceStatus.choices,
        method="filter_status",
        help_text="Status on today's date in the organisation's time zone.",
    )
    debtor = django_filters.UUIDFilter(field_name="debtor_id", help_text="Debtor id (UUID).")
    due_before = django_filters.DateFilter(
        field_name="due_date",
        lookup_expr="lte",
        help_text="Due on or before this date (YYYY-MM-DD).",
    )
    due_after = django_filters.DateFilter(
        field_name="due_date",
        lookup_expr="gte",
        help_text="Due on or after this date (YYYY-MM-DD).",
    )

    class Meta:
        model = Invoice
        fields = ["number", "external_id", "kind", "status", "debtor", "due_before", "due_after"]

    def filter_status(self, queryset, name, value):
        today = local_today(self.request.user.organization)
        return queryset.filter(status_condition(value, today))


class PaymentFilter(django_filters.FilterSet):
    external_id = django_filters.CharFilter(help_text="Exact external id sent with the payment.")
    debtor = django_filters.UUIDFilter(field_name="debtor_id", help_text="Debtor id (UUID).")
    invoice = django_filters.UUIDFilter(
        field_name="allocations__invoice_id",
        distinct=True,
        help_text="Invoice id (UUID) the payment is allocated to.",
    )

    class Meta:
        model = Payment
        fields = ["external_id", "debtor", "invoice"]

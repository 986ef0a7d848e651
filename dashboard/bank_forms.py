"""Forms of the bank pages: the file upload and a person's decision on a waiting entry."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from invoices.models import DocumentKind, Invoice
from payments.bank_files import MAX_BANK_FILE_BYTES
from payt.models import Organization

# Rows of the split form beyond the suggested invoices.
EXTRA_ALLOCATION_ROWS = 2


class BankFileUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bank file"),
        help_text=_("CAMT.053 or CAMT.054 XML, or MT940, as your bank exports it; at most 5 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BANK_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes and the maximum is %(max)s bytes; export a shorter period."),
                params={"size": f"{upload.size:,}", "max": f"{MAX_BANK_FILE_BYTES:,}"},
            )
        return upload


class AllocationForm(forms.Form):
    """One row of a split: an invoice number and the amount to apply to it."""

    invoice_number = forms.CharField(label=_("Invoice number"), max_length=100, required=False)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        number, amount = cleaned.get("invoice_number"), cleaned.get("amount")
        if number and amount is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the amount for invoice %(number)s.") % {"number": number})
        if amount is not None and not number:
            self.add_error("invoice_number", _("Enter the invoice number this amount pays."))
        return cleaned


class BaseAllocationFormSet(forms.BaseFormSet):
    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean(self):
        if any(self.errors):
            return
        self.allocations = []
        for form in self.forms:
            number = form.cleaned_data.get("invoice_number")
            if not number:
                continue
            invoice = (
                Invoice.objects.for_organization(self.organization)
                .filter(kind=DocumentKind.INVOICE, number=number.strip())
                .select_related("debtor")
                .first()
            )
            if invoice is None:
                form.add_error(
                    "invoice_number", _("No invoice with number %(number)s exists.") % {"number": number}
                )
                continue
            self.allocations.append((invoice, form.cleaned_data["amount"]))
        if not self.allocations and not any(self.errors):
            raise forms.ValidationError(_("Enter at least one invoice number with an amount."))


AllocationFormSet = forms.formset_factory(
    AllocationForm, formset=BaseAllocationFormSet, extra=EXTRA_ALLOCATION_ROWS, max_num=20, absolute_max=20
)


def allocation_formset(entry, organization: Organization, data=None) -> BaseAllocationFormSet:
    """Return the split form of an entry, with the suggested invoices filled in."""
    initial = [
        {"invoice_number": suggestion.invoice.number, "amount": suggestion.amount}
        for suggestion in entry.suggestions.all()
    ]
    return AllocationFormSet(data, initial=initial, prefix=f"entry-{entry.pk}", organization=organization)


class ReversalForm(forms.Form):
    payment = forms.UUIDField(label=_("Original payment"))

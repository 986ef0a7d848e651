"""The debtor's payment plan proposal form; its invoice choices are the debtor's own open invoices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from debtors.models import Debtor
from invoices.models import Invoice
from payments.models import INSTALMENTS_HARD_LIMIT
from payments.plan_rules import MIN_INSTALMENTS
from portal.forms import InvoicesField
from portal.selectors import payable_invoices


def plan_invoices(debtor: Debtor):
    """Return the invoices a debtor can put in a plan: open and not disputed, oldest due first."""
    return payable_invoices(debtor).filter(disputed_at__isnull=True).order_by("due_date", "number")


class PlanProposalForm(forms.Form):
    invoices = InvoicesField(
        queryset=Invoice.objects_unscoped.none(),
        error_messages={
            "required": _("Choose at least one invoice for the payment plan."),
            "invalid_choice": _(
                "One of the chosen invoices cannot be in a payment plan. Reload the page and choose again."
            ),
        },
    )
    instalment_count = forms.TypedChoiceField(
        label=_("Number of instalments"),
        coerce=int,
        choices=[(count, count) for count in range(MIN_INSTALMENTS, INSTALMENTS_HARD_LIMIT + 1)],
        error_messages={
            "required": _("Choose the number of instalments."),
            "invalid_choice": _("Choose a number of instalments from the list."),
        },
    )
    first_due_date = forms.DateField(
        label=_("First payment date"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Choose the date of the first payment."),
            "invalid": _("Enter the first payment date as a date, for example 2026-07-01."),
        },
    )

    def __init__(self, *args, debtor: Debtor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = plan_invoices(debtor)

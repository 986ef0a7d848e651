"""Forms of the debtor portal; their choices are limited to the debtor's own invoices."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from debtors.models import Debtor
from invoices.models import Invoice
from portal.selectors import debtor_invoices, payable_invoices
from portal.services import QUESTION_MAX_LENGTH

# One message for a foreign, unknown or malformed id, so the form does not
# tell which invoice ids exist elsewhere.
INVALID_INVOICE = _(
    "One of the chosen invoices cannot be paid here. Reload the page and choose again."
)


class InvoicesField(forms.ModelMultipleChoiceField):
    """Invoice choices whose every bad value, malformed or foreign, gets the same message."""

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError as error:
            if getattr(error, "code", None) == "required":
                raise
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class PayForm(forms.Form):
    invoices = InvoicesField(
        queryset=Invoice.objects_unscoped.none(),
        error_messages={
            "required": _("Choose at least one invoice to pay."),
            "invalid_choice": INVALID_INVOICE,
        },
    )

    def __init__(self, *args, debtor: Debtor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = payable_invoices(debtor)


class QuestionForm(forms.Form):
    invoice = forms.ModelChoiceField(
        queryset=Invoice.objects_unscoped.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose one of your invoices, or none.")},
    )
    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "required": _("Write your question before you send it."),
            "max_length": _("Your question is too long: write at most %(limit_value)d characters."),
        },
    )

    def __init__(self, *args, debtor: Debtor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = debtor_invoices(debtor)

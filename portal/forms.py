"""Forms of the debtor portal; their choices are limited to the debtor's own invoices."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from debtors.models import Debtor
from invoices.models import Invoice
from portal.models import DisputeCategory
from portal.responses import TEXT_MAX_LENGTH
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


METHOD_PATTERN = r"^[a-z0-9_]{1,30}$"


class PaymentMethodField(forms.RegexField):
    """An optional Mollie method id; Mollie itself rejects a method the organisation did not enable."""

    def __init__(self, **kwargs):
        super().__init__(
            METHOD_PATTERN,
            required=False,
            error_messages={"invalid": _("Choose one of the listed payment methods.")},
            **kwargs,
        )


class PayForm(forms.Form):
    invoices = InvoicesField(
        queryset=Invoice.objects_unscoped.none(),
        error_messages={
            "required": _("Choose at least one invoice to pay."),
            "invalid_choice": INVALID_INVOICE,
        },
    )
    method = PaymentMethodField()

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


class PayAllForm(forms.Form):
    currency = forms.RegexField(
        r"^[A-Z]{3}$", error_messages={"invalid": _("Reload the page and choose again.")}
    )
    method = PaymentMethodField()


class DisputeForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Reason"),
        choices=DisputeCategory.choices,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose one of the listed reasons.")},
    )
    amount = forms.DecimalField(
        label=_("Disputed amount (optional)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        error_messages={"invalid": _("Write the amount as a number, for example 25.00.")},
    )
    text = forms.CharField(label=_("Explanation"), required=False, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea)
    attachment = forms.FileField(label=_("Attachment (optional)"), required=False)


class PromiseForm(forms.Form):
    invoices = InvoicesField(
        queryset=Invoice.objects_unscoped.none(),
        error_messages={"required": _("Choose at least one invoice."), "invalid_choice": INVALID_INVOICE},
    )
    promised_date = forms.DateField(
        label=_("I will pay on"),
        error_messages={
            "required": _("Choose the date on which you will pay."),
            "invalid": _("Write the date as YYYY-MM-DD, for example 2026-06-25."),
        },
    )
    text = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=TEXT_MAX_LENGTH, widget=forms.Textarea
    )

    def __init__(self, *args, debtor: Debtor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = payable_invoices(debtor)


class ContactForm(forms.Form):
    email = forms.CharField(label=_("E-mail address"), max_length=254)
    phone = forms.CharField(label=_("Phone number (optional)"), required=False, max_length=40)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=40, error_messages={"required": _("Type the code from your letter.")}
    )

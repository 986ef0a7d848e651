"""Forms of the debtor's dunning controls: placing and releasing holds, waiving charges, tags and workflow."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from debtors.services import tags_normalize
from dunning.models import HoldReason, Workflow
from invoices.models import Invoice

NOTE_MAX_LENGTH = 300
WHOLE_DEBTOR = ""
INVOICE_NOT_FOUND = _(
    "No invoice with id %(value)s exists in this organisation; choose one of the debtor's open invoices."
)


class DateInput(forms.DateInput):
    input_type = "date"


class HoldPlaceForm(forms.Form):
    """A hold on the whole debtor or one invoice; the service checks the invoice's debtor and the end date."""

    invoice = forms.ChoiceField(label=_("Pause"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), choices=HoldReason.choices)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=DateInput,
        help_text=_("Dunning resumes the day after. Leave empty to pause until someone releases the hold."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, organization, open_invoices, **kwargs):
        kwargs.setdefault("auto_id", "id_hold_%s")
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["invoice"].choices = [(WHOLE_DEBTOR, _("All invoices of this debtor"))] + [
            (str(invoice.pk), _("Invoice %(number)s") % {"number": invoice.number}) for invoice in open_invoices
        ]
        # The choices list only the debtor's open invoices, but any invoice of the
        # organisation passes here, so that the service can name a mismatch.
        self.fields["invoice"].valid_value = lambda value: True

    def clean_invoice(self) -> Invoice | None:
        value = self.cleaned_data["invoice"]
        if value == WHOLE_DEBTOR:
            return None
        try:
            invoice_id = uuid.UUID(value)
        except ValueError:
            invoice_id = None
        invoice = None
        if invoice_id is not None:
            invoice = Invoice.objects.for_organization(self.organization).filter(pk=invoice_id).first()
        if invoice is None:
            raise ValidationError(INVOICE_NOT_FOUND, params={"value": value})
        return invoice


class HoldReleaseForm(forms.Form):
    note = forms.CharField(label=_("Note on the release"), required=False, max_length=NOTE_MAX_LENGTH)

    def __init__(self, *args, hold, **kwargs):
        kwargs.setdefault("auto_id", f"id_release_%s_{hold.pk}")
        super().__init__(*args, **kwargs)


class ChargeWaiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for waiving"),
        max_length=NOTE_MAX_LENGTH,
        error_messages={"required": _("Say why the costs are waived, such as “goodwill after a late delivery”.")},
    )

    def __init__(self, *args, charge, **kwargs):
        kwargs.setdefault("auto_id", f"id_waive_%s_{charge.pk}")
        super().__init__(*args, **kwargs)


class WorkflowChoiceField(forms.ModelChoiceField):
    """A workflow chosen by id; a value that is not a UUID gets the same error as an unknown id."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code == "invalid_choice":
                raise
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class DebtorSettingsForm(forms.Form):
    """The debtor's tags, as comma-separated text, and the workflow set by hand."""

    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separate tags with commas, such as: key account, construction. Workflow rules can match a tag."),
    )
    workflow = WorkflowChoiceField(
        label=_("Workflow"),
        queryset=Workflow.objects_unscoped.none(),
        required=False,
        empty_label=_("Chosen by the workflow rules"),
        error_messages={
            "invalid_choice": _(
                "Workflow %(value)s is not one of this organisation's workflows; choose one from the list."
            )
        },
    )

    def __init__(self, *args, organization, **kwargs):
        kwargs.setdefault("auto_id", "id_settings_%s")
        super().__init__(*args, **kwargs)
        self.fields["workflow"].queryset = Workflow.objects.for_organization(organization).order_by("priority", "name")

    def clean_tags(self) -> list[str]:
        try:
            return tags_normalize(self.cleaned_data["tags"].split(","))
        except ValidationError as error:
            raise ValidationError(error.message_dict["tags"]) from None

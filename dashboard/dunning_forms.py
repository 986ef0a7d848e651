"""Forms of the dunning pages: call outcome, posting date, contact details."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dunning.models import CallOutcome
from payt.phones import InvalidPhoneNumber, normalize_phone


class DateInput(forms.DateInput):
    input_type = "date"


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices, widget=forms.RadioSelect)
    promised_date = forms.DateField(
        label=_("Promised payment date"),
        required=False,
        widget=DateInput,
        help_text=_("Only for a promise to pay."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == CallOutcome.PROMISE_TO_PAY and not cleaned.get("promised_date"):
            self.add_error("promised_date", _("A promise to pay needs the date the debtor named."))
        return cleaned


class LetterPostingForm(forms.Form):
    posted_on = forms.DateField(label=_("Posted on"), widget=DateInput)


class DebtorContactForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=_("With the country code for numbers abroad, such as +32 470 12 34 56."),
    )

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return phone
        try:
            return normalize_phone(phone, self.country)
        except InvalidPhoneNumber:
            raise forms.ValidationError(
                _("%(number)s is not a valid phone number; write it with its country code, such as +31 6 12345678."),
                params={"number": phone},
            ) from None

"""Forms of the calculator and interest-rate pages of the dashboard."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dunning.calculation import COUNTRY_CURRENCIES, LegalDebtorKind
from dunning.interest import DayCount
from dunning.models import InterestRegime
from payt.models import COUNTRY_CHOICES
from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

CURRENCY_CODES = sorted(set(COUNTRY_CURRENCIES.values()))


class DateInput(forms.DateInput):
    input_type = "date"


def _principal_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Principal"),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        min_value=Decimal("0.01"),
        help_text=_("The amount owed, without costs or interest."),
    )


class CalculatorForm(forms.Form):
    """Fields both calculators ask for; field names match the API's query parameters."""

    country = forms.ChoiceField(label=_("Country"), choices=COUNTRY_CHOICES, initial="NL")
    debtor_kind = forms.ChoiceField(
        label=_("Debtor"), choices=LegalDebtorKind.choices, initial=LegalDebtorKind.CONSUMER
    )
    principal = _principal_field()


class CollectionCostsForm(CalculatorForm):
    # Both calculators share a page, so their element ids differ while the parameter names match.
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "costs_%s")
        super().__init__(*args, **kwargs)

    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        choices=[("", _("The country's currency")), *((code, code) for code in CURRENCY_CODES)],
    )
    vat_not_deductible = forms.BooleanField(
        label=_("The creditor cannot deduct VAT"),
        required=False,
        help_text=_("Netherlands only: adds 21% VAT to the costs, which the letter must then state."),
    )


class InterestForm(CalculatorForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "interest_%s")
        super().__init__(*args, **kwargs)

    start = forms.DateField(
        label=_("First interest day"), widget=DateInput, help_text=_("Usually the day after the due date.")
    )
    end = forms.DateField(
        label=_("Last interest day"), widget=DateInput, help_text=_("Usually the payment day; it counts.")
    )
    day_count = forms.ChoiceField(
        label=_("Day count"), required=False, choices=[("", _("As set for the regime")), *DayCount.choices]
    )


class InterestRateForm(forms.Form):
    """A rate row as an administrator adds or corrects it."""

    effective_from = forms.DateField(label=_("Effective from"), widget=DateInput)
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        help_text=_("Percent per year, for example 10.15."),
    )
    source = forms.CharField(
        label=_("Source"), max_length=500, help_text=_("Where the rate is published, for example Stb. 2023, 484.")
    )
    verified = forms.BooleanField(label=_("Verified against an official source"), required=False)


class InterestRateAddForm(InterestRateForm):
    regime = forms.ModelChoiceField(label=_("Regime"), queryset=InterestRegime.objects.all(), empty_label=None)

    field_order = ["regime", "effective_from", "rate", "source", "verified"]


class DayCountForm(forms.Form):
    day_count = forms.ChoiceField(label=_("Day count"), choices=DayCount.choices)

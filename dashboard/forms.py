"""Forms of the dashboard pages."""

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from dashboard import selectors
from dashboard.services import ANSWER_MAX_LENGTH
from debtors.models import Debtor
from invoices.models import InvoiceStatus
from payt.dates import PaymentTermBasis
from payt.models import (
    COUNTRY_CHOICES,
    DEBTOR_LANGUAGE_CHOICES,
    Organization,
    Role,
    validate_time_zone,
)


class DateInput(forms.DateInput):
    input_type = "date"


class InvoiceFilterForm(forms.Form):
    """Filters of the invoice list, read from the query string."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *InvoiceStatus.choices]
    )
    debtor = forms.ModelChoiceField(
        label=_("Debtor"),
        required=False,
        queryset=Debtor.objects_unscoped.none(),
        empty_label=_("All debtors"),
    )
    number = forms.CharField(label=_("Invoice number"), required=False, max_length=100)
    due_from = forms.DateField(label=_("Due from"), required=False, widget=DateInput)
    due_to = forms.DateField(label=_("Due until"), required=False, widget=DateInput)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        # NOTE: a select of every debtor suits tenants with hundreds of
        # debtors; thousands would need a search field instead.
        self.fields["debtor"].queryset = Debtor.objects.for_organization(organization).order_by(
            "name"
        )

    def clean(self):
        cleaned = super().clean()
        due_from, due_to = cleaned.get("due_from"), cleaned.get("due_to")
        if due_from and due_to and due_from > due_to:
            raise forms.ValidationError(
                _("The 'due from' date lies after the 'due until' date; swap them.")
            )
        return cleaned


class DebtorSearchForm(forms.Form):
    search = forms.CharField(label=_("Search by name"), required=False, max_length=200)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The debtor receives the answer by e-mail, in a message written in their language."
        ),
    )


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField()

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = memberships

    def clean_organization(self):
        organization_id = self.cleaned_data["organization"]
        if not any(
            membership.organization_id == organization_id for membership in self.memberships
        ):
            raise forms.ValidationError(_("You are not a member of this organisation."))
        return organization_id


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=[(code, code) for code in settings.DASHBOARD_LANGUAGES])


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        validators=[validate_time_zone],
        help_text=_(
            "IANA name, for example Europe/Amsterdam. Days past due are counted in this zone."
        ),
    )
    default_language = forms.ChoiceField(
        label=_("Default debtor language"), choices=DEBTOR_LANGUAGE_CHOICES
    )
    payment_term_basis = forms.ChoiceField(
        label=_("Payment term counts"),
        choices=PaymentTermBasis.choices,
        required=False,
        help_text=_("Used when an invoice arrives without a due date."),
    )
    payment_term_days = forms.IntegerField(
        label=_("Default payment term"),
        min_value=0,
        max_value=365,
        help_text=_("Days after the issue date, used when an invoice has no due date."),
    )
    payment_term_months = forms.IntegerField(
        label=_("Months after the end of the invoice month"),
        min_value=0,
        max_value=24,
        required=False,
        help_text=_("For example 1: an invoice of 10 February is due on 31 March."),
    )
    email = forms.EmailField(
        label=_("Contact e-mail"),
        required=False,
        help_text=_("Debtors' replies to e-mails go to this address."),
    )
    iban = forms.CharField(label=_("IBAN"), required=False, max_length=42)

    def clean(self):
        cleaned = super().clean()
        # A form posted without the payment-term fields leaves them as they are.
        if not cleaned.get("payment_term_basis"):
            cleaned.pop("payment_term_basis", None)
        if cleaned.get("payment_term_months") is None:
            cleaned.pop("payment_term_months", None)
        return cleaned


class UserAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Ignored when a user with this e-mail already exists; they keep their password."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CREDIT_CONTROLLER)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if selectors.is_member(self.organization, email):
            raise forms.ValidationError(
                _("%(email)s is already a member of this organisation."), params={"email": email}
            )
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("email"):
            try:
                validate_password(
                    cleaned["password"],
                    user=User(username=cleaned["email"], email=cleaned["email"]),
                )
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        help_text=_("Lower-case letters, digits and hyphens; unique across the product."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRY_CHOICES, initial="NL")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slugify(slug) != slug:
            raise forms.ValidationError(_("Use lower-case letters, digits and hyphens."))
        if Organization.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("An organisation with this short name already exists; choose another.")
            )
        return slug

"""Forms of the workflow editor: workflow rules, steps, own template texts, and the preview's choices."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dunning.models import TemplateText, Workflow, WorkflowStep
from dunning.step_preview import StepDraft
from dunning.wording import check_placeholders, placeholder_list
from dunning.workflow_checks import MAX_OFFSET_DAYS, MIN_OFFSET_DAYS
from dunning.workflows import STEP_FIELDS, WORKFLOW_FIELDS
from payt.models import DEBTOR_LANGUAGE_CHOICES

DRAFT_FIELDS = ("template", "channel", "costs", "fixed_fee", "show_interest")


class WorkflowForm(forms.Form):
    """A workflow's name, priority and rule; the labels and choices come from the model."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(Workflow, fields=WORKFLOW_FIELDS))
        # The service rejects a wrong code and names the fix, which a length limit here would not.
        self.fields["match_country"] = forms.CharField(
            label=_("Debtor country"),
            required=False,
            max_length=10,
            help_text=_("Two letters, for example NL. Empty: every country."),
        )
        self.fields["match_language"].choices = [("", _("any")), *DEBTOR_LANGUAGE_CHOICES]
        self.fields["match_tag"].help_text = _("Matches debtors that carry this tag. Empty: every debtor.")
        self.fields["min_open_amount"].help_text = _("The debtor's open amount, in the invoice currency.")


class StepForm(forms.Form):
    """One step's settings; the labels and choices come from the model."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(WorkflowStep, fields=STEP_FIELDS))
        self.fields["days_after_due"].help_text = _(
            "Days from the due date (%(min)s to %(max)s, negative before it) or from the previous step."
        ) % {"min": MIN_OFFSET_DAYS, "max": MAX_OFFSET_DAYS}
        self.fields["fixed_fee"].help_text = _("Only with costs 'Fixed fee': the fee per invoice.")
        self.fields["show_interest"].help_text = _("The message says that statutory interest is owed.")


class StepDraftForm(forms.Form):
    """The step settings the preview renders, read from the unsaved step form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(WorkflowStep, fields=DRAFT_FIELDS))

    def draft(self) -> StepDraft:
        return StepDraft(**{name: self.cleaned_data[name] for name in DRAFT_FIELDS})


class TemplateTextForm(forms.Form):
    """An organisation's own subject, opening paragraph and payment request; empty parts keep the built-in text."""

    subject = forms.CharField(
        label=_("Subject"), required=False, max_length=TemplateText._meta.get_field("subject").max_length
    )
    intro = forms.CharField(label=_("Opening paragraph"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    request = forms.CharField(label=_("Payment request"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = _("Placeholders: %(placeholders)s. Empty: the built-in text.") % {
            "placeholders": placeholder_list()
        }
        for field in self.fields.values():
            field.help_text = help_text

    def clean(self):
        cleaned = super().clean()
        for field in ("subject", "intro", "request"):
            try:
                check_placeholders(field, cleaned.get(field) or "")
            except forms.ValidationError as error:
                self.add_error(field, error.message_dict[field])
        return cleaned

    def unsaved_text(self, template: str, language: str) -> TemplateText:
        """Return the texts as an unsaved TemplateText, for the preview."""
        return TemplateText(template=template, language=language, **self.cleaned_data)

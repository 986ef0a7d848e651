"""Forms of the dashboard's payment plan pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.models import PaymentPlanPolicy
from payments.plans import REASON_MAX_LENGTH


class PlanRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the debtor"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The debtor receives this text by e-mail and sees it in the portal."),
        error_messages={"required": _("Write the reason for the rejection; the debtor receives it by e-mail.")},
    )


class PlanPolicyForm(forms.ModelForm):
    class Meta:
        model = PaymentPlanPolicy
        fields = [
            "max_instalments",
            "min_instalment_amount",
            "max_auto_accept_total",
            "max_days_to_first_instalment",
            "broken_plan_lookback_days",
            "grace_days",
            "interval",
        ]

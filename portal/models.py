"""Debtor portal links and the questions debtors ask through them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from payt.models import TenantModel


class PortalLink(TenantModel):
    """A debtor's portal access; the token is derived from a secret and stored only as a hash."""

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="portal_links")
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "debtor"], name="portallink_org_debtor")]


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


class Question(TenantModel):
    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="questions")
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    text = models.TextField(_("question"))
    status = models.CharField(max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"], name="question_org_status")]

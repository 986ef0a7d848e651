"""Debtor portal links and the questions debtors ask through them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from payt.models import TenantModel


class PortalLink(TenantModel):
    """A debtor's portal access; the token is derived from a secret and stored only as a hash."""

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="portal_links")
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    # HMAC of the short code printed on letters; empty for links made before codes existed.
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "debtor"], name="portallink_org_debtor"),
            models.Index(fields=["code_hash"], name="portallink_code_hash"),
        ]


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


class DisputeCategory(models.TextChoices):
    AMOUNT_INCORRECT = "amount_incorrect", _("The amount is incorrect")
    NOT_RECEIVED = "not_received", _("I did not receive the goods or service")
    NOT_AS_AGREED = "not_as_agreed", _("The goods or service are not as agreed")
    ALREADY_PAID = "already_paid", _("I have already paid")
    NOT_ORDERED = "not_ordered", _("I did not order this")
    OTHER = "other", _("Another reason")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    RESOLVED = "resolved", _("Resolved")


class DisputeOutcome(models.TextChoices):
    NONE = "", _("Not resolved yet")
    ACCEPTED = "accepted", _("We agree and correct the invoice")
    REJECTED = "rejected", _("The invoice stands")


class Dispute(TenantModel):
    """A debtor's objection to an invoice or part of it; dunning holds the invoice until it is resolved."""

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="disputes")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="portal_disputes")
    category = models.CharField(_("reason"), max_length=20, choices=DisputeCategory.choices)
    # The part of the invoice the debtor disputes; the whole open amount unless they named less.
    amount = models.DecimalField(_("disputed amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    text = models.TextField(_("explanation"), blank=True)
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    outcome = models.CharField(max_length=10, choices=DisputeOutcome.choices, blank=True, default="")
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    answered_at = models.DateTimeField(null=True, blank=True)
    hold = models.ForeignKey("dunning.Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"], name="dispute_org_status")]


class DisputeAttachment(TenantModel):
    """A PDF or image sent with a dispute, kept in the database and shown only to the organisation."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


class PaymentPromise(TenantModel):
    """A debtor's promise to pay some invoices on a date; each invoice is held until then plus a grace period."""

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="payment_promises")
    promised_date = models.DateField(_("promised payment date"))
    held_until = models.DateField(_("reminders paused until"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    text = models.TextField(_("note"), blank=True)
    status = models.CharField(max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"], name="promise_org_status")]


class PaymentPromiseLine(TenantModel):
    """One invoice of a promise, with the amount due when it was made and its dunning hold."""

    promise = models.ForeignKey(PaymentPromise, on_delete=models.CASCADE, related_name="lines")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="promise_lines")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    hold = models.ForeignKey("dunning.Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailKind(models.TextChoices):
    INVOICE_COPY = "invoice_copy", _("Invoice copy")
    ANSWER = "answer", _("Answer to the debtor")
    CONTACT_CHANGED = "contact_changed", _("Contact details changed")
    CONTROLLER_NOTICE = "controller_notice", _("Notice to the credit controller")


class OutgoingEmail(TenantModel):
    """An e-mail of the portal, written in the transaction that caused it and sent by a retried task.

    ``invoice`` is attached as a PDF in ``language`` when the e-mail is sent.
    """

    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    debtor = models.ForeignKey("debtors.Debtor", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey("invoices.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=2, blank=True)
    recipient = models.EmailField()
    reply_to = models.EmailField(blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"], name="outgoingemail_org_status")]

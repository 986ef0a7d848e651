"""Tenancy core: organisations (the creditors), memberships, API keys, audit log."""

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from payt.dates import PaymentTermBasis, due_date_from_term
from payt.tenancy import get_current_organization, require_current_organization

COUNTRY_CHOICES = [
    ("NL", _("Netherlands")),
    ("BE", _("Belgium")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("GB", _("United Kingdom")),
]
DEBTOR_LANGUAGE_CHOICES = [("nl", "Nederlands"), ("en", "English"), ("fr", "Français"), ("de", "Deutsch")]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone; use an IANA name such as Europe/Amsterdam."),
            params={"value": value},
        )


class Organization(models.Model):
    """A tenant: the creditor whose receivables are managed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES, default="NL")
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Amsterdam", validators=[validate_time_zone]
    )
    default_language = models.CharField(
        _("default language"), max_length=2, choices=DEBTOR_LANGUAGE_CHOICES, default="nl"
    )
    payment_term_basis = models.CharField(
        _("default payment term basis"),
        max_length=24,
        choices=PaymentTermBasis.choices,
        default=PaymentTermBasis.DAYS_AFTER_ISSUE,
    )
    payment_term_days = models.PositiveIntegerField(
        _("default payment term in days"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
    )
    payment_term_months = models.PositiveSmallIntegerField(
        _("default payment term in months after the end of the invoice month"),
        default=1,
        validators=[MaxValueValidator(24)],
    )
    email = models.EmailField(_("contact e-mail"), blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    # Art. 2(3) BIK: collection costs may be raised by VAT only when the
    # organisation cannot deduct it and says so in the letter.
    vat_not_deductible = models.BooleanField(_("cannot deduct VAT on collection costs"), default=False)
    letter_delivery_days = models.PositiveSmallIntegerField(
        _("working days for a letter to arrive"),
        default=2,
        validators=[MaxValueValidator(10)],
        help_text=_("Used to date the receipt of a posted 14-day letter."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def default_due_date(self, issue_date):
        """Return the due date of an invoice that arrived without one, from the default payment term."""
        return due_date_from_term(
            issue_date,
            basis=self.payment_term_basis,
            days=self.payment_term_days,
            months=self.payment_term_months,
        )


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CREDIT_CONTROLLER = "credit_controller", _("Credit controller")
    READ_ONLY = "read_only", _("Read-only")


class TenantQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> "TenantQuerySet":
        return self.filter(organization=organization)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant models: scoped to the current tenant context.

    Outside a context it raises, so an unscoped query is a loud bug rather
    than a silent leak; row-level security guards the database below it.
    """

    def get_queryset(self) -> TenantQuerySet:
        organization = require_current_organization()
        return super().get_queryset().filter(organization_id=organization.pk)

    def for_organization(self, organization: Organization) -> TenantQuerySet:
        return super().get_queryset().filter(organization=organization)


class TenantModel(models.Model):
    """Base of every tenant-owned table (non-null organization, UUID id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    # The first manager is Django's default manager, so the scoped one comes first.
    objects = TenantManager()
    # Unscoped on purpose: for lookups before a tenant is known, which
    # row-level security still limits to the row a lookup setting names.
    objects_unscoped = models.Manager()  # noqa: DJ012 (ruff reads a plain Manager() as a field)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.organization_id is None:
            current = get_current_organization()
            if current is not None:
                self.organization = current
        super().save(*args, **kwargs)


class Membership(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CREDIT_CONTROLLER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in (Role.ADMIN, Role.CREDIT_CONTROLLER)


class ApiKey(TenantModel):
    """An organisation's API key; only its SHA-256 hash and a display prefix are stored."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], condition=models.Q(revoked_at__isnull=True), name="apikey_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEntry(TenantModel):
    """Audit record of a settings change or manual action, with its actor."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"], name="audit_org_created")]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"


slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Use lower-case letters, digits and hyphens."))

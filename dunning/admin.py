"""Django admin of the statutory interest rate tables, read-only.

Rates change only through the dashboard's interest-rate page, because that
page records each change in the acting organisation's audit log. The Django
admin shows the tables, with unverified rows flagged.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dunning.models import InterestRate, InterestRegime


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class InterestRateInline(admin.TabularInline):
    model = InterestRate
    fields = ["effective_from", "rate", "verified", "source", "updated_by", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InterestRegime)
class InterestRegimeAdmin(ReadOnlyAdmin):
    list_display = ["code", "country", "debtor_kind", "day_count", "capitalisation", "rate_fixing", "legal_basis"]
    list_filter = ["country", "debtor_kind"]
    inlines = [InterestRateInline]


@admin.register(InterestRate)
class InterestRateAdmin(ReadOnlyAdmin):
    list_display = ["regime", "effective_from", "rate", "status", "source", "updated_by", "updated_at"]
    list_filter = ["verified", "regime__country", "regime"]
    list_select_related = ["regime", "updated_by"]
    ordering = ["regime__code", "-effective_from"]

    @admin.display(description=_("status"), ordering="verified")
    def status(self, row: InterestRate) -> str:
        return _("verified") if row.verified else _("UNVERIFIED")

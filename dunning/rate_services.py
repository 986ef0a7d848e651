"""Writes of the statutory interest rate tables: add a rate, correct one, set a regime's day count.

The tables are shared by every tenant, so only an administrator of an
organisation may change them, and each change is recorded in that
organisation's audit log and on the row itself (``updated_by``).
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dunning.interest import DayCount
from dunning.models import InterestRate, InterestRegime
from payt.models import Membership, Organization, Role
from payt.services import audit_record
from payt.tenancy import tenant_context

RATE_PLACES = Decimal("0.001")


@transaction.atomic
def interest_rate_add(
    *,
    organization: Organization,
    actor: User,
    regime: InterestRegime,
    effective_from: dt.date,
    rate: Decimal,
    source: str,
    verified: bool,
) -> InterestRate:
    """Add a rate to ``regime`` from ``effective_from``; a second rate on the same day is rejected."""
    _require_admin(organization, actor)
    source = _checked_source(source)
    _check_rate(rate)

    row = InterestRate(
        regime=regime, effective_from=effective_from, rate=rate, source=source, verified=verified, updated_by=actor
    )
    _save_unique(row)
    audit_record(
        organization=organization,
        actor=actor,
        action="interest_rate.added",
        target=_target(row),
        data={"after": _snapshot(row)},
    )
    return row


@transaction.atomic
def interest_rate_correct(
    *,
    organization: Organization,
    actor: User,
    interest_rate: InterestRate,
    effective_from: dt.date,
    rate: Decimal,
    source: str,
    verified: bool,
) -> InterestRate:
    """Correct a rate row in place; the audit entry keeps the values before and after."""
    _require_admin(organization, actor)
    source = _checked_source(source)
    _check_rate(rate)

    row = InterestRate.objects.select_for_update().select_related("regime").get(pk=interest_rate.pk)
    before = _snapshot(row)
    row.effective_from = effective_from
    row.rate = rate
    row.source = source
    row.verified = verified
    row.updated_by = actor
    _save_unique(row)
    audit_record(
        organization=organization,
        actor=actor,
        action="interest_rate.corrected",
        target=_target(row),
        data={"before": before, "after": _snapshot(row)},
    )
    return row


@transaction.atomic
def interest_regime_set_day_count(
    *, organization: Organization, actor: User, regime: InterestRegime, day_count: str
) -> InterestRegime:
    """Set the day-count convention a regime's interest is computed with."""
    _require_admin(organization, actor)
    if day_count not in DayCount.values:
        raise ValidationError(
            {"day_count": _("%(value)s is not a day count; choose one of the list.") % {"value": day_count}}
        )

    regime = InterestRegime.objects.select_for_update().get(pk=regime.pk)
    before = regime.day_count
    if before == day_count:
        return regime
    regime.day_count = day_count
    regime.save(update_fields=["day_count", "updated_at"])
    audit_record(
        organization=organization,
        actor=actor,
        action="interest_regime.day_count_changed",
        target=regime.code,
        data={"before": before, "after": day_count},
    )
    return regime


def _require_admin(organization: Organization, actor: User) -> None:
    # The view checks the role too; the tables are shared by all tenants, so the write checks again.
    with tenant_context(organization):
        is_admin = Membership.objects.filter(user=actor, role=Role.ADMIN).exists()
    if not is_admin:
        raise PermissionDenied(_("Only administrators of this organisation may change interest rates."))


def _checked_source(source: str) -> str:
    source = source.strip()
    if not source:
        raise ValidationError(
            {"source": _("Name the source of the rate, for example the Staatsblad number or the publisher.")}
        )
    return source


def _check_rate(rate: Decimal) -> None:
    if not Decimal("0") <= rate <= Decimal("100") or rate != rate.quantize(RATE_PLACES):
        raise ValidationError(
            {"rate": _("%(rate)s is not a rate; give percent per year from 0 to 100 with at most three decimals.")
             % {"rate": rate}}
        )


def _save_unique(row: InterestRate) -> None:
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(
            {
                "effective_from": _("%(regime)s already has a rate from %(date)s; correct that rate instead.")
                % {"regime": row.regime.code, "date": row.effective_from.isoformat()}
            }
        ) from None


def _target(row: InterestRate) -> str:
    return f"{row.regime.code} {row.effective_from.isoformat()}"


def _snapshot(row: InterestRate) -> dict:
    return {
        "effective_from": row.effective_from.isoformat(),
        "rate": str(row.rate),
        "source": row.source,
        "verified": row.verified,
    }

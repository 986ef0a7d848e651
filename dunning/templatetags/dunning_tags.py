"""Template helpers of the dunning pages: rates in percent and the names of interest conventions."""

from decimal import Decimal

from django import template
from django.utils import formats

from dunning.interest import CapitalisationRule, DayCount

register = template.Library()


@register.filter
def percent(value: Decimal | None) -> str:
    """Format a rate with the decimals it needs (10.15 %, 4 %) and the active language's separator."""
    if value is None or value == "":
        return "–"
    places = max(0, -Decimal(value).normalize().as_tuple().exponent)
    number = formats.number_format(Decimal(value), decimal_pos=places, use_l10n=True)
    return f"{number}\N{NO-BREAK SPACE}%"


@register.filter
def day_count_label(value: str) -> str:
    """Return the translated name of a day-count convention such as ``act_365``."""
    return DayCount(value).label if value in DayCount.values else value


@register.filter
def capitalisation_label(value: str) -> str:
    return CapitalisationRule(value).label if value in CapitalisationRule.values else value

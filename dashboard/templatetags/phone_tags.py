"""Template helpers of the dunning pages."""

from django import template

from payt.phones import format_phone

register = template.Library()


@register.filter
def phone(number: str) -> str:
    """Write a stored E.164 number for reading: +31 6 12345678."""
    return format_phone(number) if number else ""

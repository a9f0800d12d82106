"""`{% load wording %}`: `{{ amount|money }}` and `{{ title|quoted }}` (core/wording.py).

Registered by name in the TEMPLATES setting (`libraries`): core is no installed app."""

from django import template

from core import wording

register = template.Library()


@register.filter
def money(value):
    """The amount in the country's format; a value that is not a number is shown as it is."""
    try:
        return wording.money(value)
    except (TypeError, ValueError):
        return value


@register.filter
def quoted(value):
    return wording.quote(value)

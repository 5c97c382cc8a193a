from django import template

from config.formatting import format_number, format_percent, ratio_percent, roman

register = template.Library()


@register.filter
def num(value, decimals=0):
    """{{ 7935|num }} → 7.935 (vi) / 7,935 (en)."""
    return format_number(value, int(decimals))


@register.filter
def pct(value, decimals=1):
    """{{ 90.5|pct }} → 90,5%."""
    return format_percent(value, int(decimals))


@register.simple_tag
def ratio(numerator, denominator, decimals=1):
    """{% ratio 35599 35900 %} → 99,2%."""
    return format_percent(ratio_percent(numerator, denominator), int(decimals))


@register.filter(name="roman")
def roman_filter(value):
    return roman(int(value))


@register.filter
def get_item(mapping, key):
    """{{ totals|get_item:unit.pk }}: look a value up by a key that is a variable."""
    if mapping is None:
        return None
    return mapping.get(key)

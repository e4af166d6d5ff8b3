"""Template filters of the submitter pages and e-mails."""

from decimal import Decimal, InvalidOperation

from django import template

from ..units import format_value
from ..uploads import clean_file_name

register = template.Library()


@register.filter
def quantity(value, unit: str) -> str:
    """``{{ dp.value|quantity:dp.unit }}``: "£85 million a year", not "85 £ million a year"."""
    try:
        return format_value(Decimal(str(value)), unit or "")
    except (InvalidOperation, ValueError):
        return f"{value} {unit or ''}".strip()


@register.filter
def file_name(name: str) -> str:
    """A stored file name made safe to show: no right-to-left overrides or other invisible controls
    ("gnp.exe" shown as "exe.png"). Uploads are cleaned when stored; this also covers older rows."""
    return clean_file_name(name) if name else ""

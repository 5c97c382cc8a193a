from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The word for each state of a report, and the class that colours it. Colour never
# stands alone: the word is always shown.
STATUS = {
    "not_started": (_("Chưa bắt đầu"), "st-none"),
    "draft": (_("Đang soạn"), "st-draft"),
    "submitted": (_("Chờ duyệt"), "st-submitted"),
    "returned": (_("Bị trả lại"), "st-returned"),
    "approved": (_("Đã duyệt"), "st-approved"),
    "overdue": (_("Quá hạn"), "st-overdue"),
}


@register.simple_tag
def status_badge(status, late=False):
    label, css = STATUS.get(status or "not_started", STATUS["not_started"])
    late_mark = format_html(' <span class="late-mark">{}</span>', _("trễ hạn")) if late else ""
    return format_html('<span class="st {}">{}</span>{}', css, label, late_mark)


@register.simple_tag
def status_label(status):
    return STATUS.get(status or "not_started", STATUS["not_started"])[0]


@register.filter
def field_label(name):
    """ "numerator" → "Tử số": entry fields as people call them."""
    from targets.entries import FIELD_LABELS

    return FIELD_LABELS.get(name, name)


@register.filter
def figure(value):
    """A stored figure for the history: yes/no in words, dates dd/mm/yyyy, numbers 1.234."""
    from datetime import date

    from config.formatting import format_number

    if value is None or value == "":
        return "–"
    if value is True:
        return _("Đã đạt")
    if value is False:
        return _("Chưa đạt")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return format_number(value)
    return value

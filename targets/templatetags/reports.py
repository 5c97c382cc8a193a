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


STATE_CLASSES = {
    "achieved": "state-ok",
    "on_track": "state-ok",
    "at_risk": "state-risk",
    "off_track": "state-off",
    "no_data": "state-none",
    "no_target": "state-none",
}


@register.simple_tag
def state_badge(assessment_or_state):
    """A target's status: the word, coloured (never the colour alone)."""
    from targets.progress import STATE_LABELS, State

    state = getattr(assessment_or_state, "state", assessment_or_state)
    state = State(state)
    return format_html('<span class="status {}">{}</span>', STATE_CLASSES[state], STATE_LABELS[state])


@register.filter
def bar_width(percent):
    """Progress-bar width for CSS: 0–100 with a dot, whatever the language."""
    if percent is None:
        return "0"
    return f"{max(0.0, min(100.0, float(percent))):.1f}"


@register.simple_tag
def tick_position(expected, target):
    """Where the expected-to-date tick sits on the bar, in percent."""
    if expected is None or not target:
        return ""
    return f"{max(0.0, min(100.0, float(expected) * 100 / float(target))):.1f}"

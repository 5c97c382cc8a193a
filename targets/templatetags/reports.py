from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The class that colours each status of a report. Colour never stands alone: the word is always shown.
STATUS_CLASSES = {
    "not_started": "st-none",
    "draft": "st-draft",
    "submitted": "st-submitted",
    "returned": "st-returned",
    "approved": "st-approved",
    "overdue": "st-overdue",
}


@register.simple_tag
def status_badge(status, late=False):
    """A report's status (targets.workflow.GRID_STATUS_LABELS), coloured, with "late" when it was."""
    from targets.workflow import GRID_STATUS_LABELS

    status = status if status in GRID_STATUS_LABELS else "not_started"
    late_mark = format_html(' <span class="late-mark">{}</span>', _("trễ hạn")) if late else ""
    return format_html(
        '<span class="st {}">{}</span>{}', STATUS_CLASSES[status], GRID_STATUS_LABELS[status], late_mark
    )


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
    from targets.models import Confidence

    if value in Confidence.values:
        return Confidence(value).label
    return value


STATE_CLASSES = {
    "achieved": "state-ok",
    "on_track": "state-ok",
    "at_risk": "state-risk",
    "off_track": "state-off",
    "no_data": "state-none",
    "no_target": "state-none",
    "exceeded": "state-ok",
    "met": "state-ok",
    "missed": "state-off",
}


@register.simple_tag
def state_badge(assessment_or_state):
    """A target's status: the word, coloured (never the colour alone)."""
    from targets.progress import STATE_LABELS, State

    state = getattr(assessment_or_state, "state", assessment_or_state)
    state = State(state)
    return format_html('<span class="status {}">{}</span>', STATE_CLASSES[state], STATE_LABELS[state])


@register.filter
def state_class(state):
    return STATE_CLASSES.get(str(state), "state-none")


@register.filter
def state_label(state):
    from targets.progress import STATE_LABELS, State

    return STATE_LABELS[State(state)]


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


@register.simple_tag
def league_reason(target, cell):
    """Why a child unit's state is what it is, for one target: "CT05: đạt 0, dự kiến đến kỳ 1,8"."""
    from config.formatting import format_number
    from targets.models import Target
    from targets.progress import State

    if target.comparison == Target.Comparison.AT_MOST:
        detail = _("đạt %(a)s, tối đa %(q)s") % {
            "a": format_number(cell.actual),
            "q": format_number(cell.quota),
        }
    elif cell.state == State.MISSED:
        detail = _("còn thiếu %(n)s %(unit)s") % {
            "n": format_number(cell.quota - cell.actual),
            "unit": target.unit_label,
        }
    elif cell.actual >= cell.expected and cell.forecast is not None and cell.forecast < cell.quota:
        detail = _("dự báo cuối kỳ %(f)s / %(q)s") % {
            "f": format_number(cell.forecast),
            "q": format_number(cell.quota),
        }
    else:
        detail = _("đạt %(a)s, dự kiến đến kỳ %(e)s") % {
            "a": format_number(cell.actual),
            "e": format_number(cell.expected, 1),
        }
    return format_html(
        '<abbr title="{}">{}</abbr>: {}', target.short_title or target.title, target.code, detail.strip()
    )

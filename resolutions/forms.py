from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import DATE_ERRORS, FILE_ERRORS, CountField, RefusalForm
from resolutions.models import StudySession

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COUNT_ERRORS = {"required": _("Cần nhập số liệu.")}


class PlanForm(RefusalForm):
    number = forms.CharField(
        label=_("Số và ký hiệu"),
        max_length=30,
        help_text=_("Ví dụ: 09-KH/ĐU"),
        error_messages={"required": _("Cần nhập số và ký hiệu.")},
    )
    issued_on = forms.DateField(label=_("Ngày ban hành"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    signer = forms.CharField(
        label=_("Người ký"), max_length=200, error_messages={"required": _("Cần ghi người ký.")}
    )
    file = forms.FileField(label=_("Tệp kế hoạch (PDF hoặc DOCX)"), error_messages=FILE_ERRORS)


class StudySessionForm(RefusalForm):
    held_on = forms.DateField(label=_("Ngày tổ chức"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    form = forms.ChoiceField(label=_("Hình thức"), choices=StudySession.Form.choices)
    attending = CountField(label=_("Số đảng viên tham dự"), error_messages=COUNT_ERRORS)
    first_time = CountField(
        label=_("Trong đó học tập lần đầu"),
        error_messages=COUNT_ERRORS,
        help_text=_("Đảng viên chưa từng học tập Nghị quyết này trước buổi này."),
    )
    non_members = CountField(
        label=_("Quần chúng, người lao động được phổ biến"),
        required=False,
        initial=0,
        error_messages=COUNT_ERRORS,
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

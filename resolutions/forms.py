from django import forms
from django.utils.translation import gettext_lazy as _

from resolutions.models import StudySession

FILE_ERRORS = {
    "required": _("Chưa chọn tệp."),
    "empty": _("Tệp rỗng (0 byte)."),
    "invalid": _("Không đọc được tệp gửi lên."),
}
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("Phải là ngày hợp lệ (dd/mm/yyyy)."), "required": _("Cần nhập ngày.")}
# People at one session: a million is already a slip of the keyboard.
MAX_COUNT = 1_000_000
COUNT_ERRORS = {
    "invalid": _("Phải là số nguyên không âm."),
    "min_value": _("Phải là số nguyên không âm."),
    "max_value": _("Con số quá lớn (tối đa 1.000.000)."),
    "required": _("Cần nhập số liệu."),
}


class PlanForm(forms.Form):
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


class StudySessionForm(forms.Form):
    held_on = forms.DateField(label=_("Ngày tổ chức"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    form = forms.ChoiceField(label=_("Hình thức"), choices=StudySession.Form.choices)
    attending = forms.IntegerField(
        label=_("Số đảng viên tham dự"), min_value=0, max_value=MAX_COUNT, error_messages=COUNT_ERRORS
    )
    first_time = forms.IntegerField(
        label=_("Trong đó học tập lần đầu"),
        min_value=0,
        max_value=MAX_COUNT,
        error_messages=COUNT_ERRORS,
        help_text=_("Đảng viên chưa từng học tập Nghị quyết này trước buổi này."),
    )
    non_members = forms.IntegerField(
        label=_("Quần chúng, người lao động được phổ biến"),
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
        initial=0,
        error_messages=COUNT_ERRORS,
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import RefusalForm


class TokenForm(RefusalForm):
    name = forms.CharField(
        label=_("Tên khóa"),
        max_length=80,
        help_text=_("Để nhận ra khóa sau này, ví dụ “Phần mềm quản lý đảng viên của đơn vị”."),
        error_messages={"required": _("Cần đặt tên cho khóa, ví dụ “Phần mềm quản lý đảng viên”.")},
    )

"""Forms and fields shared by every app: the login, counts and decimals read one way, refusals shown one way."""

from decimal import Decimal

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.parsing import COUNT_CEILING, ParseError, parse_count, parse_decimal
from config.refusals import FieldError, Refused


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."
        ),
        "inactive": _("Tài khoản này đã bị khóa."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập")
        self.fields["password"].label = _("Mật khẩu")
        self.fields["username"].widget.attrs["autofocus"] = True


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form with the labels in the office's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Mật khẩu hiện tại")
        self.fields["new_password1"].label = _("Mật khẩu mới")
        self.fields["new_password2"].label = _("Nhập lại mật khẩu mới")


COUNT_MESSAGE = _(
    "Phải là số nguyên không âm: chỉ nhập chữ số, không dùng chữ, dấu trừ, dấu chấm hay dấu phẩy."
)
DECIMAL_MESSAGE = _("Giá trị phải là một số không âm, tối đa 2 chữ số thập phân, ví dụ 40 hoặc 90,5.")
FILE_ERRORS = {
    "required": _("Chưa chọn tệp."),
    "empty": _("Tệp rỗng (0 byte)."),
    "invalid": _("Không đọc được tệp gửi lên."),
}
DATE_ERRORS = {"invalid": _("Phải là ngày hợp lệ (dd/mm/yyyy)."), "required": _("Cần nhập ngày.")}


class CountField(forms.Field):
    """A whole number ≥ 0 typed with ASCII digits only (config.parsing.parse_count)."""

    widget = forms.TextInput(
        attrs={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off", "class": "text-end"}
    )

    def __init__(self, *, ceiling: int = COUNT_CEILING, message=COUNT_MESSAGE, **kwargs):
        self.ceiling = ceiling
        self.message = message
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return parse_count(value, ceiling=self.ceiling)
        except ParseError as exc:
            message = self.message
            if exc.code == "too_big":
                message = _("Con số quá lớn (tối đa %(max)s).") % {
                    "max": f"{self.ceiling:,}".replace(",", ".")
                }
            raise forms.ValidationError(message, code=exc.code) from None


class DecimalTextField(forms.Field):
    """A number ≥ 0 with at most two decimals, comma or dot (config.parsing.parse_decimal)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "text-end"})

    def to_python(self, value):
        try:
            return parse_decimal(value)
        except ParseError:
            raise forms.ValidationError(DECIMAL_MESSAGE, code="invalid") from None

    def prepare_value(self, value):
        # Shown as people write it: 90,5 (Vietnamese) without trailing zeros.
        if isinstance(value, Decimal):
            text = format(value.normalize(), "f")
            return text.replace(".", ",") if (get_language() or "vi").startswith("vi") else text
        return value


class RefusalForm(forms.Form):
    """A form that shows a service's refusal under the inputs it names (config.refusals)."""

    def field_for(self, error: FieldError) -> str | None:
        return error.field if error.field in self.fields else None

    def add_refusal(self, refused: Refused, *, summary: bool = True) -> None:
        """Each error under its input; the refusal's sentence among the form's own errors when no
        input is named (`summary=False` where the page already shows it above the form)."""
        for error in refused.errors:
            self.add_error(self.field_for(error), error.message)
        if summary and not refused.errors and refused.message:
            self.add_error(None, refused.message)

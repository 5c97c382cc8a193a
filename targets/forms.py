from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from targets.entries import (
    FIELD_LABELS,
    EntryInput,
    FieldError,
    ParseError,
    input_fields,
    parse_count,
)
from targets.models import Target

COUNT_MESSAGE = _(
    "Phải là số nguyên không âm: chỉ nhập chữ số, không dùng chữ, dấu trừ, dấu chấm hay dấu phẩy."
)


class CountField(forms.Field):
    """A whole number ≥ 0, typed with digits only: "1.5", "-3", "ba" and "1.800" are refused."""

    widget = forms.TextInput(
        attrs={
            "inputmode": "numeric",
            "pattern": "[0-9]*",
            "autocomplete": "off",
            "class": "text-end count-input",
        }
    )

    def to_python(self, value):
        try:
            return parse_count(value)
        except ParseError:
            raise forms.ValidationError(COUNT_MESSAGE, code="invalid") from None


class YesNoField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[("", "—"), ("yes", _("Đã đạt")), ("no", _("Chưa đạt"))],
            coerce=lambda v: v == "yes",
            empty_value=None,
            **kwargs,
        )


def field_name(target_id: int, name: str) -> str:
    return f"t{target_id}-{name}"


class ReportForm(forms.Form):
    """One form with every target a unit reports for a quarter.

    Parsing happens here (each field's own message); the rules between fields
    (sub-count ≤ parent, numerator ≤ denominator, the unit's size) live in
    targets.entries.validate_report, which the save service applies, and the
    view puts its errors back under their fields.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, targets: list[Target], read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets
        for target in targets:
            for name in input_fields(target):
                label = FIELD_LABELS.get(name)
                if name == "numerator":
                    label = target.numerator_label or _("Tử số")
                elif name == "denominator":
                    label = target.denominator_label or _("Mẫu số")
                if name == "done":
                    field = YesNoField(label=label, required=False)
                elif name == "done_on":
                    field = forms.DateField(
                        label=label,
                        required=False,
                        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                        error_messages={"invalid": _("Phải là ngày hợp lệ (dd/mm/yyyy).")},
                    )
                else:
                    field = CountField(label=label, required=False)
                field.widget.attrs["data-target"] = str(target.pk)
                field.widget.attrs["data-field"] = name
                self.fields[field_name(target.pk, name)] = field
            self.fields[field_name(target.pk, "note")] = forms.CharField(
                label=FIELD_LABELS["note"],
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1, "class": "note-input"}),
            )
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_for(inputs: dict[int, EntryInput], targets: list[Target], version: int) -> dict:
        initial = {"version": version}
        for target in targets:
            entry = inputs.get(target.pk, EntryInput())
            for name in (*input_fields(target), "note"):
                value = getattr(entry, name)
                if name == "done" and value is not None:
                    value = "yes" if value else "no"
                initial[field_name(target.pk, name)] = value
        return initial

    def inputs(self) -> dict[int, EntryInput]:
        """The cleaned figures, one EntryInput per target."""
        out = {}
        for target in self.targets:
            values = {
                name: self.cleaned_data.get(field_name(target.pk, name))
                for name in (*input_fields(target), "note")
            }
            values["note"] = (values.get("note") or "").strip()
            out[target.pk] = EntryInput(**values)
        return out

    def add_rule_errors(self, errors: list[FieldError]) -> None:
        for error in errors:
            name = field_name(error.target_id, error.field)
            self.add_error(name if name in self.fields else None, error.message)

    def grouped(self):
        """(target, [bound fields], note field) in form order, for the template."""
        for target in self.targets:
            fields = [self[field_name(target.pk, n)] for n in input_fields(target)]
            yield target, fields, self[field_name(target.pk, "note")]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Duyệt")), ("return", _("Trả lại"))])
    comment = forms.CharField(
        label=_("Ý kiến của Văn phòng"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi trả lại: ghi rõ điều đơn vị cần sửa."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Cần ghi rõ lý do trả lại để đơn vị sửa."))
        return data


class ReopenForm(forms.Form):
    until = forms.DateField(
        label=_("Gia hạn đến ngày"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Phải là ngày hợp lệ (dd/mm/yyyy).")},
    )
    reason = forms.CharField(
        label=_("Lý do mở lại"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until < self.today:
            raise forms.ValidationError(_("Ngày gia hạn phải từ hôm nay trở đi."))
        return until


FILE_ERRORS = {
    "required": _("Chưa chọn tệp."),
    "empty": _("Tệp rỗng (0 byte)."),
    "invalid": _("Không đọc được tệp gửi lên."),
}


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Tệp minh chứng (PDF, DOCX, XLSX, JPG, PNG)"), error_messages=FILE_ERRORS)
    target = forms.TypedChoiceField(label=_("Cho chỉ tiêu"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, targets: list[Target], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", _("Cả báo cáo"))] + [
            (t.pk, f"{t.code} · {t.short_title or t.title}") for t in targets
        ]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel đã điền (XLSX)"), error_messages=FILE_ERRORS)

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import FILE_ERRORS, CountField, DecimalTextField, RefusalForm
from config.refusals import FieldError
from targets.entries import CONFIDENCE_REASON_MAX, FIELD_LABELS, WORD_FIELDS, EntryInput, input_fields
from targets.models import Confidence, ProgressReport, Target, TargetProposal

# Reopening a quarter for longer than a year is a typing slip, not a decision.
MAX_EXTENSION_DAYS = 366
YEAR_MESSAGE = _("Năm phải là số có 4 chữ số, ví dụ 2023.")


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


def narrative_name(name: str) -> str:
    return f"narrative-{name}"


NARRATIVE_HELP = {
    "achievements": _("Những việc đã làm được trong quý, gắn với các chỉ tiêu."),
    "shortcomings": _("Những việc chưa làm được, vướng mắc."),
    "causes": _("Nguyên nhân khách quan, chủ quan của hạn chế."),
    "next_tasks": _("Nhiệm vụ trọng tâm và giải pháp của quý tới."),
    "recommendations": _("Kiến nghị, đề xuất với Đảng ủy khối (để trống nếu không có)."),
}


class ReportForm(RefusalForm):
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
                    field.widget.attrs["class"] = "text-end count-input"
                field.widget.attrs["data-target"] = str(target.pk)
                field.widget.attrs["data-field"] = name
                self.fields[field_name(target.pk, name)] = field
            self.fields[field_name(target.pk, "note")] = forms.CharField(
                label=FIELD_LABELS["note"],
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1, "class": "note-input"}),
            )
            self.fields[field_name(target.pk, "confidence")] = forms.ChoiceField(
                label=FIELD_LABELS["confidence"],
                required=False,
                choices=[("", "—"), *Confidence.choices],
                widget=forms.Select(attrs={"data-target": str(target.pk), "data-field": "confidence"}),
            )
            self.fields[field_name(target.pk, "confidence_reason")] = forms.CharField(
                label=FIELD_LABELS["confidence_reason"],
                required=False,
                max_length=CONFIDENCE_REASON_MAX,
                help_text=_("Một dòng; bắt buộc khi khác với đánh giá theo số liệu."),
                widget=forms.TextInput(
                    attrs={"data-target": str(target.pk), "data-field": "confidence_reason"}
                ),
            )
        for name in ProgressReport.NARRATIVE_FIELDS:
            self.fields[narrative_name(name)] = forms.CharField(
                label=FIELD_LABELS[name],
                required=False,
                max_length=20_000,
                help_text=NARRATIVE_HELP[name],
                widget=forms.Textarea(attrs={"rows": 4, "class": "narrative-input"}),
            )
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_for(
        inputs: dict[int, EntryInput],
        targets: list[Target],
        version: int,
        narrative: dict[str, str] | None = None,
        readings: dict[int, str] | None = None,
    ) -> dict:
        """The stored figures and words; a confidence not yet given starts at the computed reading."""
        initial = {"version": version}
        for target in targets:
            entry = inputs.get(target.pk, EntryInput())
            for name in (*input_fields(target), *WORD_FIELDS):
                value = getattr(entry, name)
                if name == "done" and value is not None:
                    value = "yes" if value else "no"
                if name == "confidence" and not value:
                    value = (readings or {}).get(target.pk, "")
                initial[field_name(target.pk, name)] = value
        for name, text in (narrative or {}).items():
            initial[narrative_name(name)] = text
        return initial

    def narrative(self) -> dict[str, str]:
        return {
            name: (self.cleaned_data.get(narrative_name(name)) or "").strip()
            for name in ProgressReport.NARRATIVE_FIELDS
        }

    def narrative_fields(self):
        return [self[narrative_name(name)] for name in ProgressReport.NARRATIVE_FIELDS]

    def inputs(self) -> dict[int, EntryInput]:
        """The cleaned figures, one EntryInput per target."""
        out = {}
        for target in self.targets:
            values = {
                name: self.cleaned_data.get(field_name(target.pk, name))
                for name in (*input_fields(target), *WORD_FIELDS)
            }
            for name in WORD_FIELDS:
                values[name] = (values.get(name) or "").strip()
            out[target.pk] = EntryInput(**values)
        return out

    def field_for(self, error: FieldError) -> str | None:
        if error.target_id is None:
            name = narrative_name(error.field)
        else:
            name = field_name(error.target_id, error.field)
        return name if name in self.fields else None

    def grouped(self):
        """(target, [bound fields], note field, (confidence, reason)) in form order, for the template."""
        for target in self.targets:
            fields = [self[field_name(target.pk, n)] for n in input_fields(target)]
            confidence = (
                self[field_name(target.pk, "confidence")],
                self[field_name(target.pk, "confidence_reason")],
            )
            yield target, fields, self[field_name(target.pk, "note")], confidence


STALE_PAGE = _("Trang đã cũ, không rõ anh/chị đang xem phiên bản nào của báo cáo; hãy tải lại trang.")


def shown_version_field():
    """The version of the report the page showed: a review acts on that version and no other."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE, "min_value": STALE_PAGE},
    )


class ReviewForm(RefusalForm):
    decision = forms.ChoiceField(choices=[("approve", _("Duyệt")), ("return", _("Trả lại"))])
    version = shown_version_field()
    comment = forms.CharField(
        label=_("Ý kiến của Văn phòng"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi trả lại: ghi rõ điều đơn vị cần sửa."),
    )

    def __init__(self, *args, targets: list[Target] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        for target in self.targets:
            self.fields[self.comment_name(target.pk)] = forms.CharField(
                label=_("Góp ý về %(code)s") % {"code": target.code},
                required=False,
                max_length=1000,
                widget=forms.TextInput(attrs={"data-comment-for": target.code}),
            )

    @staticmethod
    def comment_name(target_id: int) -> str:
        return f"c{target_id}-comment"

    def target_comments(self) -> dict[int, str]:
        return {t.pk: self.cleaned_data.get(self.comment_name(t.pk)) or "" for t in self.targets}

    def comment_fields(self):
        return [self[self.comment_name(t.pk)] for t in self.targets]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Cần ghi rõ lý do trả lại để đơn vị sửa."))
        return data


class ReopenForm(RefusalForm):
    version = shown_version_field()
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
        if until > self.today + timedelta(days=MAX_EXTENSION_DAYS):
            raise forms.ValidationError(_("Chỉ gia hạn tối đa một năm kể từ hôm nay."))
        return until


class AttachmentForm(RefusalForm):
    file = forms.FileField(label=_("Tệp minh chứng (PDF, DOCX, XLSX, JPG, PNG)"), error_messages=FILE_ERRORS)
    target = forms.TypedChoiceField(label=_("Cho chỉ tiêu"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, targets: list[Target], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", _("Cả báo cáo"))] + [
            (t.pk, f"{t.code} · {t.short_title or t.title}") for t in targets
        ]


class UploadForm(RefusalForm):
    file = forms.FileField(label=_("Tệp Excel đã điền (XLSX)"), error_messages=FILE_ERRORS)


class TargetProposalForm(RefusalForm):
    """A unit's own target, as its secretary proposes it.

    The rules are the service's (targets.services.proposals.proposal_errors), applied here
    too so that each message sits under its field.
    """

    title = forms.CharField(
        label=_("Chỉ tiêu"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Cần ghi nội dung chỉ tiêu.")},
    )
    measure = forms.ChoiceField(label=_("Loại chỉ tiêu"), choices=TargetProposal.MEASURES)
    comparison = forms.ChoiceField(
        label=_("So sánh"), choices=Target.Comparison.choices, initial=Target.Comparison.AT_LEAST
    )
    scope = forms.ChoiceField(label=_("Phạm vi"), choices=Target.Scope.choices, initial=Target.Scope.TERM)
    value = DecimalTextField(
        label=_("Giá trị chỉ tiêu"),
        help_text=_("Số lượng (số nguyên), hoặc phần trăm 0–100 với chỉ tiêu tỷ lệ và yêu cầu."),
        error_messages={"required": _("Cần nhập giá trị chỉ tiêu.")},
    )
    unit_label = forms.CharField(label=_("Đơn vị tính"), max_length=40, required=False)
    numerator_label = forms.CharField(label=_("Tử số (với chỉ tiêu tỷ lệ)"), max_length=200, required=False)
    denominator_label = forms.CharField(
        label=_("Mẫu số (với chỉ tiêu tỷ lệ)"), max_length=200, required=False
    )
    first_year = CountField(
        label=_("Từ năm"),
        required=False,
        ceiling=9999,
        message=YEAR_MESSAGE,
        help_text=_("Để trống nếu chỉ tiêu áp dụng cả nhiệm kỳ."),
    )
    last_year = CountField(label=_("Đến năm"), required=False, ceiling=9999, message=YEAR_MESSAGE)
    serves = forms.ModelChoiceField(
        label=_("Góp phần thực hiện chỉ tiêu cấp trên"),
        queryset=Target.objects.none(),
        required=False,
        empty_label=_("(không gắn với chỉ tiêu cấp trên)"),
        help_text=_("Chỉ để tham chiếu: không cộng vào số liệu của khối hay của tỉnh."),
        error_messages={
            "invalid_choice": _("Chỉ tiêu cấp trên không thuộc Nghị quyết của khối hoặc của tỉnh.")
        },
    )
    reason = forms.CharField(
        label=_("Lý do, căn cứ"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, unit, higher: list[Target], target: Target | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.target = target
        self.fields["serves"].queryset = Target.objects.filter(pk__in=[t.pk for t in higher])
        self.fields["serves"].label_from_instance = lambda t: f"{t.code} · {t.short_title or t.title}"

    def clean(self):
        from targets.services.proposals import ProposalInput, proposal_errors

        data = super().clean()
        if self.errors:
            return data
        proposal = ProposalInput(**{name: data.get(name) for name in ProposalInput.__dataclass_fields__})
        for error in proposal_errors(self.unit, proposal, target=self.target):
            self.add_error(self.field_for(error), error.message)
        return data


class ProposalReviewForm(RefusalForm):
    decision = forms.ChoiceField(choices=[("approve", _("Duyệt")), ("return", _("Trả lại"))])
    review_comment = forms.CharField(
        label=_("Ý kiến của Văn phòng"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

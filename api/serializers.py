"""What the API reads and writes, field by field; titles in Vietnamese, as the screens say them.

Read serializers describe plain objects (models, or the dashboard's dataclasses);
write serializers only parse: the rules are the services' (targets.services.reports).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.forms import COUNT_MESSAGE, DATE_ERRORS
from config.parsing import ParseError, parse_count, parse_day
from resolutions.models import ActionProgramme, Congress, Resolution
from targets.entries import FIELD_LABELS
from targets.models import Allocation, Confidence, ProgressReport, Target
from units.models import Unit

# --- Errors (declared in the schema for every operation) ----------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Câu báo lỗi, bằng lời của màn hình."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Lỗi theo từng trường: “entries.CT06.value” → các câu báo lỗi."),
    )


class ChangeSerializer(serializers.Serializer):
    target = serializers.CharField(help_text=_("Mã chỉ tiêu."))
    field = serializers.CharField(help_text=_("Trường số liệu."))
    old = serializers.JSONField(allow_null=True, help_text=_("Giá trị trước."))
    new = serializers.JSONField(allow_null=True, help_text=_("Giá trị sau."))


class ConflictSerializer(ErrorSerializer):
    current_version = serializers.IntegerField(help_text=_("Phiên bản hiện tại của báo cáo (ETag mới)."))
    changes = ChangeSerializer(many=True)


# --- Units, terms, targets -----------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(
        allow_null=True, help_text=_("Mã đơn vị cấp trên vào ngày được hỏi (cây tổ chức tại ngày đó).")
    )

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "sector",
            "members",
            "active_from",
            "active_to",
            "parent",
        ]


class UnitDetailSerializer(UnitSerializer):
    on = serializers.DateField(help_text=_("Ngày của cây tổ chức."))
    children = UnitSerializer(many=True, help_text=_("Các đơn vị trực thuộc vào ngày đó."))

    class Meta(UnitSerializer.Meta):
        fields = [*UnitSerializer.Meta.fields, "on", "children"]


class CongressSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Congress
        fields = [
            "id",
            "unit",
            "organisation_name",
            "ordinal",
            "term_start_year",
            "term_end_year",
            "held_from",
            "held_to",
            "delegates",
            "members_represented",
            "grassroots_organisations",
            "parent",
        ]


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionProgramme
        fields = ["number", "title", "description"]


class ResolutionSerializer(serializers.ModelSerializer):
    programmes = ProgrammeSerializer(many=True, read_only=True)

    class Meta:
        model = Resolution
        fields = ["id", "congress", "title", "adopted_on", "general_direction", "programmes"]


class TargetSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    owner_unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    programme = serializers.IntegerField(source="programme.number", allow_null=True, read_only=True)
    congress = serializers.IntegerField(source="resolution.congress_id", read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "code",
            "title",
            "short_title",
            "congress",
            "programme",
            "measure",
            "comparison",
            "scope",
            "reporting",
            "value",
            "unit_label",
            "numerator_label",
            "denominator_label",
            "from_rating",
            "parent",
            "owner_unit",
            "first_year",
            "last_year",
        ]


class QuotaSerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Allocation
        fields = ["target", "unit", "year", "value"]


# --- Figures as the dashboard shows them ----------------------------------------------------------


class FreshnessSerializer(serializers.Serializer):
    settled = serializers.BooleanField(help_text=_("Mọi báo cáo đã duyệt trong đơn vị đã được tổng hợp."))
    pending = serializers.IntegerField(help_text=_("Số thay đổi chưa tổng hợp trong đơn vị."))
    pending_approvals = serializers.IntegerField(
        help_text=_("Trong đó: lần duyệt, mở lại (thay đổi số liệu).")
    )
    oldest_pending = serializers.DateTimeField(allow_null=True)
    settled_until = serializers.DateTimeField(
        allow_null=True, help_text=_("Số liệu đã tổng hợp đến thay đổi lúc này.")
    )
    live = serializers.BooleanField(help_text=_("Đơn vị không có đơn vị trực thuộc: đọc thẳng từ báo cáo."))
    sentence = serializers.CharField(
        help_text=_("Như dòng “số liệu đến lần duyệt lúc …” trên trang tổng quan.")
    )


class FigureSerializer(serializers.Serializer):
    target = serializers.CharField(help_text=_("Mã chỉ tiêu."))
    title = serializers.CharField()
    measure = serializers.CharField()
    goal = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text=_("Chỉ tiêu giao đơn vị, hoặc ngưỡng (%)."),
    )
    value = serializers.IntegerField(help_text=_("Số lượng trong quý (chỉ tiêu số lượng)."))
    achieved = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text=_("Đã đạt: số cộng dồn từ đầu nhiệm kỳ, hoặc tỷ lệ (%)."),
    )
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    expected = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text=_("Phải đạt đến quý này theo tiến độ.")
    )
    forecast = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text=_("Dự báo cuối nhiệm kỳ.")
    )
    needed_per_quarter = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    state = serializers.CharField(
        help_text=_("Tình trạng, hoặc kết luận khi đã hết kỳ (exceeded/met/missed).")
    )
    state_label = serializers.CharField(
        help_text=_("Tình trạng bằng lời: Đúng tiến độ, Có nguy cơ, Vượt, Đạt…")
    )
    is_verdict = serializers.BooleanField()
    provisional = serializers.IntegerField(
        help_text=_("Số báo cáo của quý cuối còn có thể làm đổi kết luận.")
    )
    shortfall = serializers.CharField(help_text=_("Còn thiếu bao nhiêu, bằng lời."))
    reporting = serializers.IntegerField(help_text=_("Số đơn vị có số liệu được duyệt trong quý."))
    carried = serializers.IntegerField(help_text=_("Số đơn vị có số liệu chuyển tiếp từ quý trước."))
    figure_quarter = serializers.CharField(
        allow_null=True, help_text=_("Chỉ tiêu cuối năm: quý của số liệu.")
    )


class FiguresSerializer(serializers.Serializer):
    unit = serializers.CharField()
    as_of = serializers.CharField(help_text=_("Quý, dạng 2025-q2."))
    as_of_label = serializers.CharField()
    freshness = FreshnessSerializer()
    figures = FigureSerializer(many=True)


class CompletenessSerializer(serializers.Serializer):
    unit = serializers.CharField()
    quarter = serializers.CharField()
    expected = serializers.IntegerField(help_text=_("Số tổ chức cơ sở đảng phải báo cáo."))
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    pending = serializers.IntegerField(help_text=_("Đã gửi, chờ duyệt."))
    reported = serializers.IntegerField()
    missing_total = serializers.IntegerField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text=_("Mã các tổ chức cơ sở đảng chưa có báo cáo được duyệt.")
    )


# --- Reports ------------------------------------------------------------------------------------------


class EntrySerializer(serializers.Serializer):
    target = serializers.CharField(help_text=_("Mã chỉ tiêu."))
    value = serializers.IntegerField(allow_null=True, required=False, help_text=FIELD_LABELS["value"])
    numerator = serializers.IntegerField(allow_null=True, required=False, help_text=FIELD_LABELS["numerator"])
    denominator = serializers.IntegerField(
        allow_null=True, required=False, help_text=FIELD_LABELS["denominator"]
    )
    rating_excellent = serializers.IntegerField(
        allow_null=True, required=False, help_text=FIELD_LABELS["rating_excellent"]
    )
    rating_good = serializers.IntegerField(
        allow_null=True, required=False, help_text=FIELD_LABELS["rating_good"]
    )
    rating_completed = serializers.IntegerField(
        allow_null=True, required=False, help_text=FIELD_LABELS["rating_completed"]
    )
    rating_not_completed = serializers.IntegerField(
        allow_null=True, required=False, help_text=FIELD_LABELS["rating_not_completed"]
    )
    done = serializers.BooleanField(allow_null=True, required=False, help_text=FIELD_LABELS["done"])
    done_on = serializers.DateField(allow_null=True, required=False, help_text=FIELD_LABELS["done_on"])
    note = serializers.CharField(allow_blank=True, required=False, help_text=FIELD_LABELS["note"])
    confidence = serializers.ChoiceField(
        choices=Confidence.choices,
        allow_blank=True,
        required=False,
        help_text=_("Đơn vị tự đánh giá khả năng đạt chỉ tiêu; trống: chưa đánh giá."),
    )
    confidence_reason = serializers.CharField(
        allow_blank=True, required=False, help_text=_("Lý do tự đánh giá (một dòng).")
    )


NARRATIVE_HELP = {
    "achievements": _("Kết quả đạt được."),
    "shortcomings": _("Hạn chế, khó khăn."),
    "causes": _("Nguyên nhân."),
    "next_tasks": _("Nhiệm vụ, giải pháp quý tới."),
    "recommendations": _("Kiến nghị, đề xuất với cấp trên."),
}


class NarrativeSerializer(serializers.Serializer):
    """The report's words, section by section (plain text)."""

    achievements = serializers.CharField(
        allow_blank=True, required=False, max_length=20000, help_text=NARRATIVE_HELP["achievements"]
    )
    shortcomings = serializers.CharField(
        allow_blank=True, required=False, max_length=20000, help_text=NARRATIVE_HELP["shortcomings"]
    )
    causes = serializers.CharField(
        allow_blank=True, required=False, max_length=20000, help_text=NARRATIVE_HELP["causes"]
    )
    next_tasks = serializers.CharField(
        allow_blank=True, required=False, max_length=20000, help_text=NARRATIVE_HELP["next_tasks"]
    )
    recommendations = serializers.CharField(
        allow_blank=True, required=False, max_length=20000, help_text=NARRATIVE_HELP["recommendations"]
    )


class ReportSerializer(serializers.Serializer):
    unit = serializers.CharField()
    quarter = serializers.CharField(help_text=_("Quý, dạng 2025-q2."))
    status = serializers.ChoiceField(
        choices=ProgressReport.Status.choices, allow_null=True, help_text=_("Trống: chưa có báo cáo.")
    )
    version = serializers.IntegerField(help_text=_('Phiên bản; ETag của báo cáo là "v<phiên bản>".'))
    late = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_comment = serializers.CharField(allow_blank=True)
    deadline = serializers.DateField(help_text=_("Hạn báo cáo đang áp dụng cho đơn vị (kể cả gia hạn)."))
    entries = EntrySerializer(many=True)
    narrative = NarrativeSerializer()


class ReportWriteResultSerializer(ReportSerializer):
    message = serializers.CharField(help_text=_("Kết quả bằng lời, như thông báo trên màn hình."))


class ReportListItemSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    quarter = serializers.CharField(source="period.slug", read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["unit", "quarter", "status", "version", "late", "submitted_at", "reviewed_at"]


class HistoryEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    who = serializers.CharField(allow_blank=True)
    what = serializers.CharField(allow_blank=True)
    status = serializers.CharField(
        allow_null=True, help_text=_("Trạng thái mới, nếu bước này đổi trạng thái.")
    )
    changes = ChangeSerializer(many=True)


# --- Writing ------------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class CountInput(serializers.Field):
    """A count as the report form reads it (config.parsing.parse_count), with the form's words."""

    def to_internal_value(self, data):
        try:
            return parse_count(data)
        except ParseError as exc:
            if exc.code == "too_big":
                raise serializers.ValidationError(str(exc)) from None
            raise serializers.ValidationError(str(COUNT_MESSAGE)) from None

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.DATE)
class DayInput(serializers.Field):
    def to_internal_value(self, data):
        if isinstance(data, bool | int | float):
            raise serializers.ValidationError(str(DATE_ERRORS["invalid"]))
        try:
            return parse_day(data)
        except ParseError:
            raise serializers.ValidationError(str(DATE_ERRORS["invalid"])) from None

    def to_representation(self, value):
        return value


class EntryInputSerializer(serializers.Serializer):
    """One target's figures; the fields a target does not use must stay empty."""

    target = serializers.CharField(max_length=20, help_text=_("Mã chỉ tiêu, ví dụ CT06."))
    value = CountInput(required=False, allow_null=True, help_text=FIELD_LABELS["value"])
    numerator = CountInput(required=False, allow_null=True, help_text=FIELD_LABELS["numerator"])
    denominator = CountInput(required=False, allow_null=True, help_text=FIELD_LABELS["denominator"])
    rating_excellent = CountInput(required=False, allow_null=True, help_text=FIELD_LABELS["rating_excellent"])
    rating_good = CountInput(required=False, allow_null=True, help_text=FIELD_LABELS["rating_good"])
    rating_completed = CountInput(required=False, allow_null=True, help_text=FIELD_LABELS["rating_completed"])
    rating_not_completed = CountInput(
        required=False, allow_null=True, help_text=FIELD_LABELS["rating_not_completed"]
    )
    done = serializers.BooleanField(required=False, allow_null=True, help_text=FIELD_LABELS["done"])
    done_on = DayInput(required=False, allow_null=True, help_text=FIELD_LABELS["done_on"])
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        trim_whitespace=True,
        help_text=FIELD_LABELS["note"],
    )
    confidence = serializers.ChoiceField(
        choices=Confidence.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=_(
            "Đơn vị tự đánh giá khả năng đạt chỉ tiêu; khác với trạng thái tính từ số liệu thì phải có lý do. "
            "Không gửi: giữ như đã lưu."
        ),
    )
    confidence_reason = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=300,
        trim_whitespace=True,
        help_text=_("Lý do tự đánh giá (một dòng)."),
    )


class EntriesInputSerializer(serializers.Serializer):
    entries = EntryInputSerializer(
        many=True,
        help_text=_(
            "Số liệu của các chỉ tiêu cần lưu; mỗi chỉ tiêu có trong danh sách được thay toàn bộ, "
            "chỉ tiêu không có trong danh sách giữ nguyên."
        ),
    )
    narrative = NarrativeSerializer(
        required=False,
        help_text=_("Phần nhận xét của báo cáo; mục không gửi giữ như đã lưu."),
    )


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Ý kiến của Văn phòng")
    )


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=2000,
        help_text=_("Bắt buộc khi trả lại: ghi rõ điều đơn vị cần sửa."),
        error_messages={
            "required": _("Cần ghi rõ lý do trả lại để đơn vị sửa."),
            "blank": _("Cần ghi rõ lý do trả lại để đơn vị sửa."),
            "null": _("Cần ghi rõ lý do trả lại để đơn vị sửa."),
        },
    )

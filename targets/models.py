import re
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.formatting import roman
from config.refusals import Refused
from resolutions.models import ActionProgramme, Congress, Resolution
from units.models import ReorgEvent, Unit


class Target(models.Model):
    """A quantified target (chỉ tiêu) of a resolution.

    `measure` decides how figures add up (docs/figures.md, "Measures"):
    - flow: a count over the term (new members, organisations founded); summed
      across units, cumulative across quarters;
    - subcount: the part of a parent flow ("of which in non-state enterprises");
      never more than the parent in the same report;
    - ratio: a stock (members who studied / members); Σ numerators over
      Σ denominators across units, the latest value across quarters;
    - milestone: a requirement met or not ("bảo đảm theo quy định"); done / due.

    `reporting` says when units report it: every quarter, or only at year end
    for the figures that come from the yearly quality rating (kiểm điểm, xếp loại).
    """

    class Measure(models.TextChoices):
        FLOW = "flow", _("Số lượng cộng dồn")
        SUBCOUNT = "subcount", _("Trong đó (thuộc chỉ tiêu cha)")
        RATIO = "ratio", _("Tỷ lệ")
        MILESTONE = "milestone", _("Yêu cầu bảo đảm")

    class Comparison(models.TextChoices):
        AT_LEAST = "at_least", _("ít nhất")
        AT_MOST = "at_most", _("nhiều nhất")

    class Scope(models.TextChoices):
        TERM = "term", _("cả nhiệm kỳ")
        YEARLY = "yearly", _("hằng năm")

    class Reporting(models.TextChoices):
        QUARTERLY = "quarterly", _("hằng quý")
        YEAR_END = "year_end", _("cuối năm (quý IV)")

    COUNT_MEASURES = (Measure.FLOW, Measure.SUBCOUNT)

    resolution = models.ForeignKey(
        Resolution, verbose_name=_("nghị quyết"), on_delete=models.PROTECT, related_name="targets"
    )
    programme = models.ForeignKey(
        ActionProgramme,
        verbose_name=_("chương trình hành động"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("chỉ tiêu cha"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtargets",
    )
    code = models.CharField(_("mã"), max_length=20)
    title = models.CharField(_("chỉ tiêu"), max_length=500)
    short_title = models.CharField(_("tên ngắn"), max_length=120, blank=True)
    measure = models.CharField(_("loại chỉ tiêu"), max_length=12, choices=Measure.choices)
    comparison = models.CharField(
        _("so sánh"), max_length=10, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    scope = models.CharField(_("phạm vi"), max_length=8, choices=Scope.choices, default=Scope.TERM)
    reporting = models.CharField(
        _("kỳ báo cáo"), max_length=10, choices=Reporting.choices, default=Reporting.QUARTERLY
    )
    value = models.DecimalField(
        _("giá trị chỉ tiêu"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Số lượng, hoặc phần trăm với chỉ tiêu tỷ lệ và yêu cầu."),
    )
    unit_label = models.CharField(_("đơn vị tính"), max_length=40, blank=True)
    numerator_label = models.CharField(_("tử số"), max_length=200, blank=True)
    denominator_label = models.CharField(_("mẫu số"), max_length=200, blank=True)
    from_rating = models.BooleanField(
        _("lấy từ kết quả xếp loại"),
        default=False,
        help_text=_("Nhập số lượng theo 4 mức xếp loại; tử số là số hoàn thành tốt nhiệm vụ trở lên."),
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("chỉ tiêu riêng của đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_targets",
        help_text=_("Để trống với chỉ tiêu của Nghị quyết; có giá trị với chỉ tiêu đơn vị tự đề ra."),
    )
    serves = models.ForeignKey(
        "self",
        verbose_name=_("góp phần thực hiện chỉ tiêu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="served_by",
        help_text=_(
            "Chỉ tiêu cấp trên (của khối hoặc của tỉnh) mà chỉ tiêu này góp phần; chỉ để tham chiếu, "
            "không cộng vào số liệu cấp trên."
        ),
    )
    first_year = models.PositiveSmallIntegerField(_("từ năm"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("đến năm"), null=True, blank=True)
    fed_by_study = models.BooleanField(
        _("lấy từ các buổi học tập, quán triệt"),
        default=False,
        help_text=_("Tỷ lệ đề xuất = số đảng viên đã học tập ít nhất một lần / số đảng viên."),
    )
    history = HistoricalRecords(verbose_name=_("lịch sử chỉ tiêu"))

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["resolution", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "code"], name="target_unique_code"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(measure__in=["ratio", "milestone"]) | Q(value__lte=100),
                name="target_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=(Q(measure="subcount") & Q(parent__isnull=False))
                | (~Q(measure="subcount") & Q(parent__isnull=True)),
                name="target_subcount_has_parent",
            ),
            models.CheckConstraint(
                condition=Q(from_rating=False) | Q(measure="ratio"),
                name="target_rating_is_ratio",
            ),
            models.CheckConstraint(
                condition=Q(first_year__isnull=True)
                | Q(last_year__isnull=True)
                | Q(last_year__gte=F("first_year")),
                name="target_years_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.short_title or self.title}"

    @property
    def is_count(self) -> bool:
        return self.measure in self.COUNT_MEASURES

    @property
    def is_ratio(self) -> bool:
        return self.measure == self.Measure.RATIO

    @property
    def is_milestone(self) -> bool:
        return self.measure == self.Measure.MILESTONE

    @property
    def is_percent(self) -> bool:
        return self.measure in (self.Measure.RATIO, self.Measure.MILESTONE)

    def reported_in(self, quarter: int, year: int | None = None) -> bool:
        if year is not None and not self.covers(year):
            return False
        return self.reporting == self.Reporting.QUARTERLY or quarter == 4

    def covers(self, year: int) -> bool:
        """A unit target may cover only some years of the term."""
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )

    @property
    def is_unit_target(self) -> bool:
        return self.owner_unit_id is not None

    @property
    def counted_noun(self) -> str:
        """Who a ratio counts, for "còn thiếu 98 đảng viên hoàn thành tốt nhiệm vụ trở lên": its
        numerator label without the leading "Số" (a requirement counts units: progress.shortfall_words)."""
        if self.is_milestone:
            return ""
        label = re.sub(r"^(tổng số|số)\s+", "", self.numerator_label.strip(), flags=re.IGNORECASE)
        return label[:1].lower() + label[1:]


class TargetProposal(models.Model):
    """A unit's proposal of a target of its own, or of a change to one, for the bloc office to approve.

    Approved, it becomes (or changes) a Target owned by the unit; the Target's
    history keeps the earlier values. Approved targets are changed only through
    a new proposal.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ duyệt")
        APPROVED = "approved", _("Đã duyệt")
        RETURNED = "returned", _("Bị trả lại")

    MEASURES = [(m, label) for m, label in Target.Measure.choices if m != Target.Measure.SUBCOUNT]

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="target_proposals"
    )
    target = models.ForeignKey(
        Target,
        verbose_name=_("chỉ tiêu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
        help_text=_("Chỉ tiêu được đề xuất điều chỉnh; sau khi duyệt: chỉ tiêu đã tạo."),
    )
    title = models.CharField(_("chỉ tiêu"), max_length=500)
    measure = models.CharField(_("loại chỉ tiêu"), max_length=12, choices=MEASURES)
    comparison = models.CharField(
        _("so sánh"), max_length=10, choices=Target.Comparison.choices, default=Target.Comparison.AT_LEAST
    )
    scope = models.CharField(
        _("phạm vi"), max_length=8, choices=Target.Scope.choices, default=Target.Scope.TERM
    )
    value = models.DecimalField(_("giá trị chỉ tiêu"), max_digits=12, decimal_places=2)
    unit_label = models.CharField(_("đơn vị tính"), max_length=40, blank=True)
    numerator_label = models.CharField(_("tử số"), max_length=200, blank=True)
    denominator_label = models.CharField(_("mẫu số"), max_length=200, blank=True)
    first_year = models.PositiveSmallIntegerField(_("từ năm"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("đến năm"), null=True, blank=True)
    serves = models.ForeignKey(
        Target,
        verbose_name=_("góp phần thực hiện chỉ tiêu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("lý do, căn cứ"), blank=True)
    is_change = models.BooleanField(_("điều chỉnh chỉ tiêu đã có"), default=False)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đề xuất"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("đề xuất lúc"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người duyệt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    review_comment = models.TextField(_("ý kiến của khối"), blank=True)
    history = HistoricalRecords(verbose_name=_("lịch sử đề xuất"))

    class Meta:
        verbose_name = _("đề xuất chỉ tiêu của đơn vị")
        verbose_name_plural = _("đề xuất chỉ tiêu của đơn vị")
        ordering = ["-proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="proposal_value_not_negative",
                violation_error_message=_("Giá trị chỉ tiêu không được âm."),
            ),
            models.CheckConstraint(
                condition=~Q(measure__in=["ratio", "milestone"]) | Q(value__lte=100),
                name="proposal_percent_at_most_100",
                violation_error_message=_("Chỉ tiêu tỷ lệ phải từ 0 đến 100%."),
            ),
            models.CheckConstraint(
                condition=Q(first_year__isnull=True)
                | Q(last_year__isnull=True)
                | Q(last_year__gte=F("first_year")),
                name="proposal_years_in_order",
                violation_error_message=_("Năm kết thúc không được trước năm bắt đầu."),
            ),
        ]

    def __str__(self):
        return f"{self.unit.code} · {self.title}"


class Allocation(models.Model):
    """A unit's quota of a count target: for the whole term (year empty) or one year."""

    target = models.ForeignKey(
        Target, verbose_name=_("chỉ tiêu"), on_delete=models.CASCADE, related_name="allocations"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="allocations"
    )
    year = models.PositiveSmallIntegerField(
        _("năm"), null=True, blank=True, help_text=_("Để trống: chỉ tiêu cả nhiệm kỳ.")
    )
    value = models.PositiveIntegerField(_("chỉ tiêu giao"))

    class Meta:
        verbose_name = _("chỉ tiêu giao đơn vị")
        verbose_name_plural = _("chỉ tiêu giao đơn vị")
        ordering = ["target", "unit__path", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "unit"],
                condition=Q(year__isnull=True),
                name="allocation_unique_term",
            ),
            models.UniqueConstraint(
                fields=["target", "unit", "year"],
                condition=Q(year__isnull=False),
                name="allocation_unique_year",
            ),
        ]

    def __str__(self):
        return f"{self.target.code} · {self.unit.code} · {self.year or _('cả nhiệm kỳ')}: {self.value}"


class QuotaRedistribution(models.Model):
    """The quotas of one count target redistributed after a split, merge or absorption.

    `before` holds the term quotas of the units the event concerns as they
    stood (the ended units, and an absorbing unit's own), `after` the quotas
    the office gave the units that continue them (both as {unit code: value}).
    The new values are written to `Allocation`; the old ones stay on the
    ended units as history. A redistribution whose totals differ is refused
    unless `reason` says why (targets.services.quotas).
    """

    event = models.ForeignKey(
        ReorgEvent,
        verbose_name=_("sự kiện sắp xếp"),
        on_delete=models.PROTECT,
        related_name="quota_redistributions",
    )
    target = models.ForeignKey(Target, verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT, related_name="+")
    before = models.JSONField(_("chỉ tiêu giao trước"), default=dict)
    after = models.JSONField(_("chỉ tiêu giao sau"), default=dict)
    reason = models.TextField(_("lý do chênh lệch"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi nhận"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("ghi nhận lúc"), auto_now=True)

    class Meta:
        verbose_name = _("phân bổ lại chỉ tiêu")
        verbose_name_plural = _("phân bổ lại chỉ tiêu")
        ordering = ["event", "target__position", "target__code"]
        constraints = [
            models.UniqueConstraint(fields=["event", "target"], name="quota_redistribution_unique"),
        ]

    def __str__(self):
        return f"{self.event_id} · {self.target.code}"

    @property
    def before_total(self) -> int:
        return sum(self.before.values())

    @property
    def after_total(self) -> int:
        return sum(self.after.values())


class Period(models.Model):
    """A quarter of a congress term; 6-month and yearly figures are derived from quarters."""

    congress = models.ForeignKey(
        Congress, verbose_name=_("nhiệm kỳ"), on_delete=models.CASCADE, related_name="periods"
    )
    index = models.PositiveSmallIntegerField(_("thứ tự trong nhiệm kỳ"))
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"))
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    deadline = models.DateField(_("hạn báo cáo"))

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["congress", "index"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "index"], name="period_unique_index"),
            models.UniqueConstraint(fields=["congress", "year", "quarter"], name="period_unique_quarter"),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="period_quarter_1_to_4"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="period_dates_order"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        # Vietnamese writes the quarter in Roman numerals (Quý II/2025); English as Q2/2025.
        vietnamese = (get_language() or "vi").startswith("vi")
        quarter = roman(self.quarter) if vietnamese else str(self.quarter)
        return _("Quý %(quarter)s/%(year)s") % {"quarter": quarter, "year": self.year}

    @property
    def slug(self) -> str:
        return f"{self.year}-q{self.quarter}"


class ProgressReport(models.Model):
    """One unit's report for one quarter. Only approved reports count officially."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang soạn")
        SUBMITTED = "submitted", _("Chờ duyệt")
        RETURNED = "returned", _("Bị trả lại")
        APPROVED = "approved", _("Đã duyệt")

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="reports")
    period = models.ForeignKey(
        Period, verbose_name=_("kỳ báo cáo"), on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(
        _("phiên bản"), default=1, help_text=_("Tăng mỗi lần lưu, để phát hiện hai người cùng sửa.")
    )
    late = models.BooleanField(_("nộp trễ hạn"), default=False)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gửi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người duyệt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("ý kiến của khối"), blank=True)
    # The office's comment per target when it returns the report: {"<target id>": "…"}.
    target_comments = models.JSONField(_("ý kiến theo từng chỉ tiêu"), default=dict, blank=True)
    # The words of the report (docs/domain.md, "What a periodic report says"), plain text. The bloc's
    # summary document compiles them, naming each unit: NARRATIVE_FIELDS lists them in that order.
    achievements = models.TextField(_("kết quả đạt được"), blank=True)
    shortcomings = models.TextField(_("hạn chế, khó khăn"), blank=True)
    causes = models.TextField(_("nguyên nhân"), blank=True)
    next_tasks = models.TextField(_("nhiệm vụ, giải pháp quý tới"), blank=True)
    recommendations = models.TextField(_("kiến nghị, đề xuất với cấp trên"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("lịch sử báo cáo"))

    NARRATIVE_FIELDS = ("achievements", "shortcomings", "causes", "next_tasks", "recommendations")

    class Meta:
        verbose_name = _("báo cáo quý")
        verbose_name_plural = _("báo cáo quý")
        ordering = ["period__index", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="report_unique_unit_period"),
        ]
        indexes = [models.Index(fields=["period", "status"], name="report_period_status")]

    def __str__(self):
        return f"{self.unit.code} · {self.period.label}"


@receiver(pre_delete, sender=ProgressReport)
def _approved_reports_are_never_deleted(sender, instance, **kwargs):
    """An approved report holds official figures: no path deletes it (admin, shell, a cascade)."""
    if instance.status == ProgressReport.Status.APPROVED:
        raise Refused(
            gettext(
                "Báo cáo %(report)s đã được duyệt: số liệu chính thức không xóa được. Nếu cần sửa, "
                "hãy mở lại kỳ báo cáo cho đơn vị trên trang báo cáo."
            )
            % {"report": instance}
        )


class Confidence(models.TextChoices):
    """A unit's own confidence of reaching a target, read against the computed status:
    achieved or on track ↔ on track; at risk ↔ at risk; behind ↔ unlikely."""

    ON_TRACK = "on_track", _("Đúng tiến độ")
    AT_RISK = "at_risk", _("Có nguy cơ")
    UNLIKELY = "unlikely", _("Khó đạt")


class Entry(models.Model):
    """One target's figure in a report.

    The fields used depend on the target's measure: `value` for counts;
    `numerator`/`denominator` for ratios (from the four rating counts when the
    target comes from the yearly rating); `done`/`done_on` for milestones.
    """

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("báo cáo"), on_delete=models.CASCADE, related_name="entries"
    )
    target = models.ForeignKey(
        Target, verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT, related_name="entries"
    )
    value = models.PositiveIntegerField(_("số lượng trong quý"), null=True, blank=True)
    numerator = models.PositiveIntegerField(_("tử số"), null=True, blank=True)
    denominator = models.PositiveIntegerField(_("mẫu số"), null=True, blank=True)
    rating_excellent = models.PositiveIntegerField(_("hoàn thành xuất sắc nhiệm vụ"), null=True, blank=True)
    rating_good = models.PositiveIntegerField(_("hoàn thành tốt nhiệm vụ"), null=True, blank=True)
    rating_completed = models.PositiveIntegerField(_("hoàn thành nhiệm vụ"), null=True, blank=True)
    rating_not_completed = models.PositiveIntegerField(_("không hoàn thành nhiệm vụ"), null=True, blank=True)
    done = models.BooleanField(_("đã đạt"), null=True, blank=True)
    done_on = models.DateField(_("ngày đạt"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    # The unit's own word on reaching the target, beside the computed status (targets.confidence).
    confidence = models.CharField(
        _("đơn vị tự đánh giá"), max_length=10, choices=Confidence.choices, blank=True
    )
    confidence_reason = models.CharField(_("lý do tự đánh giá"), max_length=300, blank=True)
    history = HistoricalRecords(verbose_name=_("lịch sử số liệu"))

    class Meta:
        verbose_name = _("số liệu chỉ tiêu")
        verbose_name_plural = _("số liệu chỉ tiêu")
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="entry_unique_target"),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True)
                | Q(denominator__isnull=True)
                | Q(numerator__lte=F("denominator")),
                name="entry_numerator_within_denominator",
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(done=True),
                name="entry_done_on_only_when_done",
            ),
        ]

    def __str__(self):
        return f"{self.report} · {self.target.code}"


class DeadlineExtension(models.Model):
    """The bloc office reopens a quarter for one unit after its deadline, with a reason."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="extensions"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("kỳ báo cáo"), on_delete=models.CASCADE, related_name="extensions"
    )
    until = models.DateField(_("gia hạn đến ngày"))
    reason = models.TextField(_("lý do"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gia hạn"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("gia hạn lúc"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("lịch sử gia hạn"))

    class Meta:
        verbose_name = _("gia hạn báo cáo")
        verbose_name_plural = _("gia hạn báo cáo")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="extension_unique_unit_period"),
        ]

    def __str__(self):
        return f"{self.unit.code} · {self.period.label} → {self.until:%d/%m/%Y}"


def evidence_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name; the original name is kept in `name`.
    return f"evidence/{instance.report.period.year}/{uuid.uuid4().hex}.{instance.kind}"


class Attachment(models.Model):
    """An evidence file attached to a report (a decision, minutes, a list)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("báo cáo"), on_delete=models.CASCADE, related_name="attachments"
    )
    target = models.ForeignKey(
        Target,
        verbose_name=_("chỉ tiêu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("tệp"), upload_to=evidence_path)
    name = models.CharField(_("tên tệp"), max_length=255)
    kind = models.CharField(_("loại tệp"), max_length=8)
    size = models.PositiveIntegerField(_("dung lượng"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tải lên"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tệp minh chứng")
        verbose_name_plural = _("tệp minh chứng")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.name


class Rollup(models.Model):
    """The figures of a unit with children, for one target and quarter, summed over its subtree.

    Written only by targets.rollup (set-based SQL); dashboards read it. Units
    without children have no rows: their figures are their own entries. Rows
    are dense from the first quarter with data to the end of the term, so a
    dashboard "as of" any quarter reads exactly one row per target.

    - counts: `value` in the quarter and `cumulative` from the start of the term;
    - ratios: `numerator`/`denominator` summed over units, each unit's latest
      figure carried forward; milestones the same with done (0/1) over 1;
    - `reporting`: units with an approved figure this quarter; `carried`: units
      whose figure is carried from an earlier quarter (ratios and milestones);
    - `said_*`: how many reports sent in the quarter (awaiting review or
      approved) under the unit gave each confidence of reaching the target
      (targets.confidence), so a dashboard counts them without reading the subtree.
    """

    # The natural key is the primary key: no id sequence and no second index to keep up
    # while a rebuild writes tens of thousands of rows.
    pk = models.CompositePrimaryKey("unit_id", "target_id", "period_id")
    # Derived rows, written in bulk from ids that exist: no database-level foreign-key
    # checks (they double the cost of a full rebuild); deletes still cascade through the ORM.
    # Indexes: the primary key serves every read by unit (dashboards read the rows of the units they
    # show); one more serves reads by quarter and target. No index per column: each would slow every
    # write of a rebuild, and at national scale the planner would pick them over the key.
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="rollups", db_constraint=False, db_index=False
    )
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="rollups", db_constraint=False, db_index=False
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="rollups", db_constraint=False, db_index=False
    )
    value = models.BigIntegerField(default=0)
    cumulative = models.BigIntegerField(default=0)
    numerator = models.BigIntegerField(default=0)
    denominator = models.BigIntegerField(default=0)
    reporting = models.IntegerField(default=0)
    carried = models.IntegerField(default=0)
    said_on_track = models.IntegerField(default=0)
    said_at_risk = models.IntegerField(default=0)
    said_unlikely = models.IntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")
        indexes = [models.Index(fields=["period", "target"], name="rollup_by_period_target")]

    def __str__(self):
        return f"{self.unit_id} · {self.target_id} · {self.period_id}"


class RollupChange(models.Model):
    """What the roll-up owes: one row per change to a unit's official figures or report status.

    Written in the same transaction as the change itself (the transactional
    outbox): approve, return, submit, reopen, and whatever else changes what
    dashboards count. `targets.rollup.settle_unit` applies it to the roll-up
    rows and sets `settled_at` in one transaction, so a change is applied
    exactly once whatever fails; a broker message only wakes the worker up.

    `payload` holds, per target id, the official figures before and after the
    change (`{"figures": {"12": {"old": {...} | null, "new": {...} | null}},
    "status": {"old": [status, late] | null, "new": [...]}, "said": {"old":
    {target id: confidence}, "new": {...}}}`), so that a settle can tell what was
    already applied without a copy of every entry.
    """

    class Cause(models.TextChoices):
        SUBMIT = "submit", _("gửi báo cáo")
        APPROVE = "approve", _("duyệt báo cáo")
        RETURN = "return", _("trả lại báo cáo")
        REOPEN = "reopen", _("mở lại báo cáo đã duyệt")
        STUDY = "study", _("ghi buổi học tập nghị quyết")
        TREE = "tree", _("thay đổi cây đơn vị")

    # Causes that change official (approved) figures; the others change report counts only.
    FIGURE_CAUSES = (Cause.APPROVE, Cause.REOPEN)

    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cause = models.CharField(_("thay đổi"), max_length=12, choices=Cause.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("lúc"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settled_at = models.DateTimeField(_("đã tổng hợp lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thay đổi chờ tổng hợp")
        verbose_name_plural = _("sổ thay đổi cần tổng hợp")
        ordering = ["id"]
        indexes = [
            # The pending rows are few; this index is all a sweep or a freshness line reads.
            models.Index(
                fields=["unit", "id"], condition=Q(settled_at__isnull=True), name="rollup_change_pending"
            ),
            models.Index(fields=["congress", "created_at"], name="rollup_change_congress_time"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.cause} {self.unit_id} {self.period_id}"


class RollupUnit(models.Model):
    """How many of the grassroots organisations under a unit with children reported a quarter, and how
    far its members have studied the resolutions.

    Kept beside the roll-up rows and by the same two paths (the settle and the
    full rebuild), so that a dashboard counts reports from the same settled state
    as its figures, with a cost that does not grow with the subtree.
    """

    pk = models.CompositePrimaryKey("unit_id", "period_id")
    # The primary key serves reads by unit; the index by quarter serves deletes of a term's rows.
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    expected = models.IntegerField(default=0)  # grassroots organisations active in the quarter
    on_time = models.IntegerField(default=0)  # approved, sent by the deadline in force
    late = models.IntegerField(default=0)  # approved, sent after it
    pending = models.IntegerField(default=0)  # sent, awaiting review
    # Study of the term's resolutions (resolutions.tracking): members of the units active in the quarter,
    # and from the start of the term to the quarter's end: members who studied them for the first time,
    # sessions held, non-members reached.
    members = models.BigIntegerField(default=0)
    studied = models.BigIntegerField(default=0)
    sessions = models.IntegerField(default=0)
    non_members = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tình hình báo cáo tổng hợp")
        verbose_name_plural = _("tình hình báo cáo tổng hợp")

    def __str__(self):
        return f"{self.unit_id} · {self.period_id}"


class ReminderSent(models.Model):
    """A reminder e-mail already sent for a unit's quarter, so the daily job never sends it twice."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("trước hạn")
        AFTER = "after", _("sau hạn")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nhắc báo cáo đã gửi")
        verbose_name_plural = _("nhắc báo cáo đã gửi")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "kind"], name="reminder_once"),
        ]

    def __str__(self):
        return f"{self.unit_id} · {self.period_id} · {self.kind}"


class Notification(models.Model):
    """Something that happened to a report or a proposal, told to one person in the app and by e-mail.

    Written in the same transaction as the action (targets.notifications), so
    the app's list never depends on the broker; the e-mail is sent by a task
    after the commit, and `emailed_at` says it went (a sweep retries the rest).
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Báo cáo được gửi")
        RETURNED = "returned", _("Báo cáo bị trả lại")
        APPROVED = "approved", _("Báo cáo được duyệt")
        REOPENED = "reopened", _("Kỳ báo cáo được mở lại")
        PROPOSAL = "proposal", _("Đề xuất chỉ tiêu được xem xét")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(_("nội dung"), max_length=500)
    url = models.CharField(_("đường dẫn"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("lúc"))
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("đã gửi thư lúc"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("số lần gửi thư"), default=0)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(
                fields=["created_at"], condition=Q(emailed_at__isnull=True), name="notification_email_owed"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.kind} · {self.text[:40]}"

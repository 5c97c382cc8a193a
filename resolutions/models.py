from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.formatting import roman
from units.models import Unit


class Congress(models.Model):
    """A party congress (Đại hội) that opens a 5-year term.

    The chain matters to the reader: the bloc's VII congress serves the
    provincial XI congress, which serves the national XIII congress. Only the
    bloc is a unit of our tree; higher organisations are named in text.
    """

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("tổ chức đảng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="congresses",
        help_text=_("Để trống với đại hội cấp trên không thuộc cây đơn vị."),
    )
    organisation_name = models.CharField(_("tên đảng bộ"), max_length=255)
    ordinal = models.PositiveSmallIntegerField(_("lần thứ"))
    term_start_year = models.PositiveSmallIntegerField(_("nhiệm kỳ từ năm"))
    term_end_year = models.PositiveSmallIntegerField(_("nhiệm kỳ đến năm"))
    held_from = models.DateField(_("họp từ ngày"))
    held_to = models.DateField(_("họp đến ngày"))
    delegates = models.PositiveIntegerField(_("số đại biểu"), null=True, blank=True)
    members_represented = models.PositiveIntegerField(_("số đảng viên đại diện"), null=True, blank=True)
    grassroots_organisations = models.PositiveIntegerField(_("số tổ chức cơ sở đảng"), null=True, blank=True)
    executive_committee_size = models.PositiveSmallIntegerField(
        _("số ủy viên Ban Chấp hành"), null=True, blank=True
    )
    standing_committee_size = models.PositiveSmallIntegerField(
        _("số ủy viên Ban Thường vụ"), null=True, blank=True
    )
    secretaries = models.PositiveSmallIntegerField(_("số bí thư"), null=True, blank=True)
    deputy_secretaries = models.PositiveSmallIntegerField(_("số phó bí thư"), null=True, blank=True)
    delegates_to_parent = models.PositiveSmallIntegerField(
        _("đại biểu chính thức dự đại hội cấp trên"), null=True, blank=True
    )
    alternates_to_parent = models.PositiveSmallIntegerField(
        _("đại biểu dự khuyết dự đại hội cấp trên"), null=True, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đại hội cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("đại hội")
        verbose_name_plural = _("đại hội")
        ordering = ["held_from"]
        constraints = [
            models.UniqueConstraint(fields=["organisation_name", "ordinal"], name="congress_unique_ordinal"),
            models.CheckConstraint(
                condition=Q(term_end_year__gt=F("term_start_year")), name="congress_term_order"
            ),
            models.CheckConstraint(condition=Q(held_to__gte=F("held_from")), name="congress_dates_order"),
        ]

    def __str__(self):
        return _("Đại hội %(ordinal)s %(organisation)s, nhiệm kỳ %(start)s–%(end)s") % {
            "ordinal": self.ordinal_roman,
            "organisation": self.organisation_name,
            "start": self.term_start_year,
            "end": self.term_end_year,
        }

    @property
    def ordinal_roman(self) -> str:
        return roman(self.ordinal)

    @property
    def term_label(self) -> str:
        return f"{self.term_start_year}–{self.term_end_year}"

    @property
    def term_years(self) -> int:
        return self.term_end_year - self.term_start_year

    def chain(self) -> list["Congress"]:
        """This congress and the ones above it, nearest first."""
        out, seen, node = [], set(), self
        while node is not None and node.pk not in seen:
            out.append(node)
            seen.add(node.pk)
            node = node.parent
        return out


class Resolution(models.Model):
    """The congress resolution (Nghị quyết Đại hội): direction, programmes, targets."""

    congress = models.OneToOneField(
        Congress, verbose_name=_("đại hội"), on_delete=models.PROTECT, related_name="resolution"
    )
    title = models.CharField(_("tên nghị quyết"), max_length=400)
    adopted_on = models.DateField(_("ngày thông qua"), null=True, blank=True)
    general_direction = models.TextField(_("phương hướng chung"), blank=True)

    class Meta:
        verbose_name = _("nghị quyết")
        verbose_name_plural = _("nghị quyết")

    def __str__(self):
        return self.title


class ActionProgramme(models.Model):
    """An action programme (Chương trình hành động, ký hiệu CTr) issued with the resolution."""

    resolution = models.ForeignKey(
        Resolution,
        verbose_name=_("nghị quyết"),
        on_delete=models.CASCADE,
        related_name="programmes",
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    title = models.CharField(_("tên chương trình"), max_length=400)
    description = models.TextField(_("nội dung"), blank=True)

    class Meta:
        verbose_name = _("chương trình hành động")
        verbose_name_plural = _("chương trình hành động")
        ordering = ["resolution", "number"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "number"], name="programme_unique_number"),
        ]

    def __str__(self):
        return _("Chương trình hành động số %(number)02d: %(title)s") % {
            "number": self.number,
            "title": self.title,
        }


def plan_path(instance: "PlanDocument", filename: str) -> str:
    import uuid

    return f"plans/{instance.resolution_id}/{uuid.uuid4().hex}.{instance.kind}"


class PlanDocument(models.Model):
    """The implementation plan (Kế hoạch, ký hiệu KH) a unit issued to carry out the resolution."""

    NUMBER_PATTERN = r"^\d{1,4}-KH/[A-ZĐ][A-ZĐ0-9]{0,9}$"  # "09-KH/ĐU", "15-KH/ĐUK", "03-KH/CB"

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="plans")
    resolution = models.ForeignKey(
        Resolution, verbose_name=_("nghị quyết"), on_delete=models.CASCADE, related_name="plans"
    )
    number = models.CharField(_("số và ký hiệu"), max_length=30)
    issued_on = models.DateField(_("ngày ban hành"))
    signer = models.CharField(_("người ký"), max_length=200)
    file = models.FileField(_("tệp kế hoạch"), upload_to=plan_path)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    kind = models.CharField(_("loại tệp"), max_length=8)
    size = models.PositiveIntegerField(_("dung lượng"))
    registered_by = models.ForeignKey(
        "auth.User", verbose_name=_("người đăng ký"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(_("đăng ký lúc"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("lịch sử kế hoạch"))

    class Meta:
        verbose_name = _("kế hoạch thực hiện nghị quyết")
        verbose_name_plural = _("kế hoạch thực hiện nghị quyết")
        ordering = ["unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "resolution"], name="plan_one_per_unit"),
        ]

    def __str__(self):
        return f"{self.number} · {self.unit}"


class StudySession(models.Model):
    """A session where a unit studied the resolution (học tập, quán triệt).

    `first_time` counts the attending members who had not studied this
    resolution before, so that Σ first_time / members is the share of members
    who have studied it at least once.
    """

    class Form(models.TextChoices):
        CONFERENCE = "conference", _("Hội nghị")
        ONLINE = "online", _("Trực tuyến")
        CELL_MEETING = "cell_meeting", _("Sinh hoạt chi bộ")

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="study_sessions"
    )
    resolution = models.ForeignKey(
        Resolution, verbose_name=_("nghị quyết"), on_delete=models.CASCADE, related_name="study_sessions"
    )
    held_on = models.DateField(_("ngày tổ chức"))
    form = models.CharField(_("hình thức"), max_length=14, choices=Form.choices)
    attending = models.PositiveIntegerField(_("số đảng viên tham dự"))
    first_time = models.PositiveIntegerField(_("trong đó học tập lần đầu"))
    members = models.PositiveIntegerField(_("số đảng viên của đơn vị"))
    non_members = models.PositiveIntegerField(_("quần chúng, người lao động được phổ biến"), default=0)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        "auth.User", verbose_name=_("người ghi"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("buổi học tập, quán triệt")
        verbose_name_plural = _("buổi học tập, quán triệt")
        ordering = ["-held_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_time__lte=F("attending")),
                name="study_first_time_within_attending",
                violation_error_message=_("Số học tập lần đầu không được lớn hơn số tham dự."),
            ),
            models.CheckConstraint(
                condition=Q(attending__lte=F("members")),
                name="study_attending_within_members",
                violation_error_message=_("Số tham dự không được lớn hơn số đảng viên của đơn vị."),
            ),
        ]

    def __str__(self):
        return f"{self.unit.code} · {self.held_on:%d/%m/%Y}"

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class Unit(MP_Node):
    """A party organisation in the bloc's tree.

    `kind` uses the Party's own words, which English renders poorly:
    - bloc: Đảng bộ Khối, the root (upper-grassroots level) that holds the congress;
    - dang_bo_bo_phan: đảng bộ bộ phận, an intermediate level inside a large organisation;
    - dang_bo_co_so: đảng bộ cơ sở, a grassroots organisation with cells below it;
    - chi_bo_co_so: chi bộ cơ sở, a grassroots cell with no cells below it;
    - chi_bo_truc_thuoc: chi bộ trực thuộc, a cell under a đảng bộ cơ sở.

    Grassroots organisations (tổ chức cơ sở đảng) are the ones that report to the
    bloc every quarter. A unit's figures are its own entries plus those of every
    unit below it; `members` counts the members held directly by this unit, so a
    đảng bộ cơ sở whose members all sit in cells holds 0 itself.

    Units are created, merged, split and ended mid-term: `active_from`/`active_to`
    bound the quarters a unit is expected to report, and `successor` points to the
    unit that took over its members and records.
    """

    class Kind(models.TextChoices):
        BLOC = "bloc", _("Đảng bộ khối")
        DANG_BO_BO_PHAN = "dang_bo_bo_phan", _("Đảng bộ bộ phận")
        DANG_BO_CO_SO = "dang_bo_co_so", _("Đảng bộ cơ sở")
        CHI_BO_CO_SO = "chi_bo_co_so", _("Chi bộ cơ sở")
        CHI_BO_TRUC_THUOC = "chi_bo_truc_thuoc", _("Chi bộ trực thuộc")

    class Sector(models.TextChoices):
        STATE_AGENCY = "state_agency", _("Cơ quan nhà nước")
        STATE_ENTERPRISE = "state_enterprise", _("Doanh nghiệp nhà nước")
        NON_STATE_ENTERPRISE = "non_state_enterprise", _("Doanh nghiệp ngoài nhà nước")
        INDUSTRIAL_ZONE = "industrial_zone", _("Khu công nghiệp")

    GRASSROOTS_KINDS = (Kind.DANG_BO_CO_SO, Kind.CHI_BO_CO_SO)

    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=120, blank=True)
    kind = models.CharField(_("loại hình"), max_length=20, choices=Kind.choices)
    sector = models.CharField(_("khối/ngành"), max_length=24, choices=Sector.choices, blank=True)
    members = models.PositiveIntegerField(
        _("số đảng viên"), default=0, help_text=_("Đảng viên sinh hoạt trực tiếp tại đơn vị này.")
    )
    workforce = models.PositiveIntegerField(
        _("số cán bộ, công nhân viên, người lao động"), null=True, blank=True
    )
    has_standing_committee = models.BooleanField(
        _("có ban thường vụ"),
        default=False,
        help_text=_(
            "Cấp ủy có bầu ban thường vụ: văn bản do ban thường vụ ban hành và ký thay mặt ban thường vụ."
        ),
    )
    active_from = models.DateField(_("hoạt động từ"), null=True, blank=True)
    active_to = models.DateField(_("hoạt động đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị kế thừa"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        # "The units one level below X" (roll-ups, league tables) filters on depth.
        indexes = [models.Index(fields=["depth"], name="unit_depth")]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_to__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_to__gte=models.F("active_from")),
                name="unit_active_dates_in_order",
            ),
            models.CheckConstraint(condition=~Q(successor=models.F("id")), name="unit_not_own_successor"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_grassroots(self) -> bool:
        return self.kind in self.GRASSROOTS_KINDS

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def is_active_between(self, start, end) -> bool:
        """True when the unit exists at some point in [start, end]."""
        if self.active_from and self.active_from > end:
            return False
        return not (self.active_to and self.active_to < start)

    def subtree(self):
        """This unit and every unit below it."""
        return Unit.objects.filter(path__startswith=self.path)

    def ancestor_paths(self) -> list[str]:
        """The paths of the units above this one and its own, root first (no query)."""
        return [self.path[: n * self.steplen] for n in range(1, self.depth + 1)]

    @property
    def parent_path(self) -> str:
        return self.path[: -self.steplen]


class Membership(models.Model):
    """A role a user holds over a unit and everything below it."""

    class Role(models.TextChoices):
        BLOC_OFFICE = "bloc_office", _("Văn phòng / Ban Tổ chức Đảng ủy khối")
        STANDING_COMMITTEE = "standing_committee", _("Ban Thường vụ")
        UNIT_SECRETARY = "unit_secretary", _("Bí thư đơn vị")
        UNIT_CLERK = "unit_clerk", _("Cán bộ đảng vụ đơn vị")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=24, choices=Role.choices)

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit.code}"

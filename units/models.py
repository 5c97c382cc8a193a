from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext, gettext_lazy
from treebeard.mp_tree import MP_Node

from config.refusals import Refused

_ = gettext_lazy


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

    Units are created, merged, split and ended mid-term (ReorgEvent):
    `active_from`/`active_to` bound the days a unit exists (the quarters it is
    expected to report), its `placements` say where it sat in the tree on each
    day, and `successions` which units continue it. A unit that has (or has
    had: `had_children`, set by the event that takes its last child away) units
    below it `rolls_up`: its figures are summed from roll-up rows for the whole
    term; any other unit's figures are its own entries.
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
    continues_others = models.BooleanField(
        _("kế thừa đơn vị khác"),
        default=False,
        help_text=_("Ghi khi đơn vị kế thừa đơn vị khác (hợp nhất, sáp nhập, chia tách)."),
    )
    had_children = models.BooleanField(
        _("đã từng có đơn vị trực thuộc"),
        default=False,
        help_text=_(
            "Ghi khi đơn vị trực thuộc cuối cùng chuyển đi: số liệu các quý trước vẫn được cộng từ đơn vị đó."
        ),
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
        ]

    def __str__(self):
        return self.name

    @property
    def rolls_up(self) -> bool:
        return self.numchild > 0 or self.had_children

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

    def records(self) -> list[str]:
        """What the records hold about this unit, by kind ("báo cáo quý", "phân quyền", …).

        Every table pointing at the unit counts, audit histories included, so a
        new kind of record is covered without being listed here.
        """
        kinds = []
        for relation in Unit._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete and relation.is_relation):
                continue
            if not (relation.one_to_many or relation.one_to_one):
                continue
            model = relation.related_model
            if model._base_manager.filter(**{relation.field.name: self}).exists():
                kinds.append(str(model._meta.verbose_name_plural))
        return sorted(set(kinds))

    def deletion_refusal(self) -> str | None:
        """Why this unit may not be deleted, or None: only a unit created by mistake, with no
        unit below it and nothing recorded about it, is deleted. A unit that has existed is ended."""
        children = Unit.objects.filter(path__startswith=self.path, depth=self.depth + 1).count()
        if children:
            return gettext(
                "Không xóa được “%(unit)s”: còn %(n)s đơn vị trực thuộc. Đơn vị đã hoạt động thì "
                "không xóa, để giữ lịch sử: hãy kết thúc đơn vị bằng cách điền “Hoạt động đến” "
                "(và “Đơn vị kế thừa”, nếu có)."
            ) % {"unit": self.name, "n": children}
        records = self.records()
        if records:
            return gettext(
                "Không xóa được “%(unit)s”: đơn vị đã có dữ liệu (%(records)s). Đơn vị đã hoạt động "
                "thì không xóa, để giữ lịch sử: hãy kết thúc đơn vị bằng cách điền “Hoạt động đến” "
                "(và “Đơn vị kế thừa”, nếu có)."
            ) % {"unit": self.name, "records": ", ".join(records)}
        return None


@receiver(pre_delete, sender=Unit)
def _units_with_history_are_ended_not_deleted(sender, instance, **kwargs):
    """The last guard, whatever deletes (admin, shell, a cascade): the admin asks first and explains."""
    refusal = instance.deletion_refusal()
    if refusal:
        raise Refused(refusal)


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

    UNIT_ROLES = (Role.UNIT_SECRETARY, Role.UNIT_CLERK)

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit.code}"

    def clean(self):
        """Who enters a unit's figures and who approves them are two people (separation of
        duties): the bloc office (and a superuser, who counts as it) holds no unit role, and a
        unit's secretary or clerk does not join the office. A one-person office that allows
        self-approval (ALLOW_SELF_APPROVAL) may hold both."""
        if not self.user_id or settings.ALLOW_SELF_APPROVAL:
            return
        others = Membership.objects.filter(user_id=self.user_id).exclude(pk=self.pk)
        if self.role in self.UNIT_ROLES and (
            self.user.is_superuser or others.filter(role=self.Role.BLOC_OFFICE).exists()
        ):
            raise ValidationError(
                {
                    "role": gettext(
                        "%(user)s thuộc Văn phòng Đảng ủy khối (người duyệt báo cáo) nên không giữ vai trò "
                        "nhập báo cáo của đơn vị: người nhập và người duyệt phải là hai người."
                    )
                    % {"user": self.user}
                }
            )
        if self.role == self.Role.BLOC_OFFICE and others.filter(role__in=self.UNIT_ROLES).exists():
            raise ValidationError(
                {
                    "role": gettext(
                        "%(user)s đang giữ vai trò nhập báo cáo của đơn vị nên không thể thuộc Văn phòng "
                        "(người duyệt báo cáo): người nhập và người duyệt phải là hai người."
                    )
                    % {"user": self.user}
                }
            )


class ReorgEvent(models.Model):
    """A decision that changes the tree (sắp xếp, kiện toàn tổ chức đảng): the units it concerns, and when.

    Each event is tied to the decision that ordered it (number like
    "1337-QĐ/TU", its date and issuing body) and takes effect on
    `effective_on`: old units are active until the day before and keep their
    history; new places in the tree start that day. One office action records
    both sides of a handover (the giving committee hands over, the receiving
    committee receives).

    - transfer (điều chuyển): a unit moves to another parent, with its records;
    - merge (hợp nhất): two or more units end, a new unit continues them;
    - absorb (sáp nhập): units end and an existing unit continues them;
    - split (chia tách): a unit ends, several new units continue it;
    - end (giải thể / kết thúc hoạt động): a unit ends, nobody continues it;
    - create (thành lập mới): a new unit starts.
    """

    class Kind(models.TextChoices):
        TRANSFER = "transfer", _("Điều chuyển")
        MERGE = "merge", _("Hợp nhất")
        ABSORB = "absorb", _("Sáp nhập")
        SPLIT = "split", _("Chia tách")
        END = "end", _("Giải thể, kết thúc hoạt động")
        CREATE = "create", _("Thành lập mới")

    kind = models.CharField(_("loại sự kiện"), max_length=10, choices=Kind.choices)
    decision_number = models.CharField(_("số quyết định"), max_length=40)
    decision_date = models.DateField(_("ngày quyết định"))
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=255)
    effective_on = models.DateField(_("ngày có hiệu lực"))
    note = models.TextField(_("ghi chú"), blank=True)
    # An ended unit keeps no placement opened by its event: this says which unit an end concerns
    # (the event's page and the unit's timeline read it).
    subject = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị kết thúc"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi nhận"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("ghi nhận lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("sự kiện sắp xếp tổ chức")
        verbose_name_plural = _("sự kiện sắp xếp tổ chức")
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_on__gte=models.F("decision_date")),
                name="reorg_effective_after_decision",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.decision_number} · {self.effective_on:%d/%m/%Y}"


class Placement(models.Model):
    """Where a unit sat in the tree over a span of days: its parent from `valid_from` (included)
    until `valid_to` (excluded; empty while it still sits there).

    History is never rewritten by moving a node: a move closes one placement
    and opens the next. The tree as of any day is the placements that cover
    it; treebeard's paths (`Unit.path`) index today's tree. A unit that no
    event has touched has no rows here: its place is its parent in today's
    tree for as long as it is active (units.placements reads both the same
    way). Once a unit has placements, they alone say where it was.
    """

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="placements"
    )
    parent = models.ForeignKey(
        Unit, verbose_name=_("trực thuộc"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(
        _("từ ngày"), null=True, blank=True, help_text=_("Để trống: từ trước khi có số liệu.")
    )
    valid_to = models.DateField(_("đến trước ngày"), null=True, blank=True)
    event = models.ForeignKey(
        ReorgEvent,
        verbose_name=_("theo sự kiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="placements",
    )

    class Meta:
        verbose_name = _("vị trí trong cây")
        verbose_name_plural = _("vị trí trong cây")
        ordering = ["unit", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="placement_dates_in_order",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("unit")), name="placement_not_own_parent"),
            # One open placement per unit: where it sits today.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(valid_to__isnull=True), name="placement_one_open"
            ),
        ]
        indexes = [models.Index(fields=["parent", "valid_from"], name="placement_parent")]

    def __str__(self):
        return f"{self.unit_id} → {self.parent_id} [{self.valid_from}, {self.valid_to})"

    def covers(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class Succession(models.Model):
    """A unit continued by another after a merge, absorption or split (kế thừa)."""

    predecessor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị trước"), on_delete=models.PROTECT, related_name="successions"
    )
    successor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị kế thừa"), on_delete=models.PROTECT, related_name="inheritances"
    )
    event = models.ForeignKey(
        ReorgEvent, verbose_name=_("theo sự kiện"), on_delete=models.PROTECT, related_name="successions"
    )

    class Meta:
        verbose_name = _("kế thừa")
        verbose_name_plural = _("kế thừa")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="succession_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.predecessor_id} → {self.successor_id}"

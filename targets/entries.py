"""What a unit may enter for each target, and the rules its figures must obey.

The browser form and the Excel upload both turn their input into
`EntryInput`s and ask `validate_report` about them, so that a figure refused
in one is refused in the other with the same words.
"""

from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.refusals import FieldError
from targets.models import Allocation, Entry, Period, Target
from units.models import Unit

COUNT_FIELDS = ("value",)
RATIO_FIELDS = ("numerator", "denominator")
RATING_FIELDS = ("rating_excellent", "rating_good", "rating_completed", "rating_not_completed")
MILESTONE_FIELDS = ("done", "done_on")


FIELD_LABELS = {
    "value": gettext_lazy("Số lượng trong quý"),
    "numerator": gettext_lazy("Tử số"),
    "denominator": gettext_lazy("Mẫu số"),
    "rating_excellent": gettext_lazy("Hoàn thành xuất sắc nhiệm vụ"),
    "rating_good": gettext_lazy("Hoàn thành tốt nhiệm vụ"),
    "rating_completed": gettext_lazy("Hoàn thành nhiệm vụ"),
    "rating_not_completed": gettext_lazy("Không hoàn thành nhiệm vụ"),
    "done": gettext_lazy("Kết quả"),
    "done_on": gettext_lazy("Ngày đạt"),
    "note": gettext_lazy("Ghi chú"),
    "confidence": gettext_lazy("Đơn vị tự đánh giá"),
    "confidence_reason": gettext_lazy("Lý do tự đánh giá"),
    "achievements": gettext_lazy("Kết quả đạt được"),
    "shortcomings": gettext_lazy("Hạn chế, khó khăn"),
    "causes": gettext_lazy("Nguyên nhân"),
    "next_tasks": gettext_lazy("Nhiệm vụ, giải pháp quý tới"),
    "recommendations": gettext_lazy("Kiến nghị, đề xuất với cấp trên"),
}
# What a unit writes beside each target's figures: its note and its own confidence of reaching it.
WORD_FIELDS = ("note", "confidence", "confidence_reason")
CONFIDENCE_REASON_MAX = 300


def input_fields(target: Target) -> tuple[str, ...]:
    """The Entry fields a unit fills for this target (the note aside)."""
    if target.is_count:
        return COUNT_FIELDS
    if target.is_ratio:
        return RATING_FIELDS if target.from_rating else RATIO_FIELDS
    return MILESTONE_FIELDS


@dataclass
class EntryInput:
    """One target's figures as entered, before they are saved."""

    value: int | None = None
    numerator: int | None = None
    denominator: int | None = None
    rating_excellent: int | None = None
    rating_good: int | None = None
    rating_completed: int | None = None
    rating_not_completed: int | None = None
    done: bool | None = None
    done_on: date | None = None
    note: str = ""
    # None: not given by this input (the Excel sheet carries no confidence): the stored one stays.
    confidence: str | None = None
    confidence_reason: str | None = None

    @classmethod
    def from_entry(cls, entry: Entry | None) -> "EntryInput":
        if entry is None:
            return cls()
        return cls(**{name: getattr(entry, name) for name in cls.__dataclass_fields__})

    def as_dict(self) -> dict:
        return asdict(self)

    def keeping(self, stored: "EntryInput | None") -> "EntryInput":
        """The confidence this input does not give, taken from what is stored (or left empty)."""
        for name in ("confidence", "confidence_reason"):
            if getattr(self, name) is None:
                setattr(self, name, (getattr(stored, name) if stored else None) or "")
        return self

    def derived(self, target: Target) -> "EntryInput":
        """Fill numerator/denominator from the four rating counts."""
        if target.from_rating and self.is_filled(target):
            counts = [getattr(self, name) or 0 for name in RATING_FIELDS]
            self.numerator = counts[0] + counts[1]  # excellent + good: "hoàn thành tốt trở lên"
            self.denominator = sum(counts)
        return self

    def is_filled(self, target: Target) -> bool:
        names = input_fields(target)
        if names == MILESTONE_FIELDS:
            return self.done is not None
        return all(getattr(self, name) is not None for name in names)

    def is_empty(self, target: Target) -> bool:
        names = input_fields(target)
        return all(getattr(self, name) in (None, "") for name in names) and not (
            self.note or self.confidence or self.confidence_reason
        )


# --- Cross-field rules -------------------------------------------------------------


def people_of(unit: Unit) -> int:
    """The most people a unit's figures can plausibly count: its workforce, or members."""
    totals = unit.subtree().aggregate(members=Sum("members"), workforce=Sum("workforce"))
    return max(totals["members"] or 0, totals["workforce"] or 0)


def study_proposals(unit: Unit, period: Period, targets: list[Target]) -> dict[int, tuple[int, int]]:
    """For the study target: members who studied at least once / members, from the sessions recorded
    up to the end of the quarter (resolutions.tracking). Nothing is proposed before any session."""
    from resolutions.tracking import study_coverage

    fed = [t for t in targets if t.fed_by_study]
    if not fed:
        return {}
    coverage = study_coverage(unit, period.congress, until=period.ends_on)
    if not coverage.sessions:
        return {}
    return {t.pk: (coverage.studied, coverage.members) for t in fed}


def validate_report(
    *,
    targets: list[Target],
    inputs: dict[int, EntryInput],
    people: int,
    period: Period,
    proposals: dict[int, tuple[int, int]] | None = None,
    readings: dict[int, str] | None = None,
) -> list[FieldError]:
    """Every rule a report's figures must obey, on plain values.

    - counts are whole numbers ≥ 0 (parsed before) and no more than the unit's people;
    - a sub-count is never more than its parent count in the same report;
    - numerator ≤ denominator, and a denominator above zero;
    - "hoàn thành xuất sắc" at most EXCELLENT_CAP_PERCENT of "hoàn thành tốt";
    - a milestone met has a date inside the quarter's year or before it, never in the future;
    - the study target may differ from what the study sessions propose only with a note;
    - a confidence is one of the three, and differs from the computed status's reading
      (`readings`, targets.confidence) only with a one-line reason.
    """
    errors: list[FieldError] = []
    by_id = {t.pk: t for t in targets}
    too_many = _("quá lớn: đơn vị chỉ có %(people)s người (đảng viên và người lao động)") % {
        "people": f"{people:,}".replace(",", ".")
    }
    for target in targets:
        entry = inputs.get(target.pk)
        if entry is None:
            continue
        errors += _confidence_errors(target, entry, (readings or {}).get(target.pk))
        if target.is_count:
            # The unit's size bounds the resolution's counts (new members, organisations founded);
            # a unit's own targets may count what lies outside it (citizens served, files handled).
            if entry.value is not None and entry.value > people and not target.is_unit_target:
                errors.append(FieldError("value", too_many, target_id=target.pk))
            parent = by_id.get(target.parent_id)
            parent_entry = inputs.get(target.parent_id) if parent else None
            if (
                entry.value is not None
                and parent_entry is not None
                and parent_entry.value is not None
                and entry.value > parent_entry.value
            ):
                errors.append(
                    FieldError(
                        "value",
                        _("không được lớn hơn chỉ tiêu cha %(code)s (%(parent)s)")
                        % {"code": parent.code, "parent": parent_entry.value},
                        target_id=target.pk,
                    )
                )
        elif target.is_ratio and target.from_rating:
            counts = [getattr(entry, name) for name in RATING_FIELDS]
            if any(c is not None for c in counts) and any(c is None for c in counts):
                for name, count in zip(RATING_FIELDS, counts, strict=True):
                    if count is None:
                        errors.append(FieldError(name, _("cần nhập đủ 4 mức xếp loại"), target_id=target.pk))
                continue
            if all(c is not None for c in counts):
                total = sum(counts)
                if total == 0:
                    errors.append(
                        FieldError(
                            "rating_good", _("tổng số được xếp loại phải lớn hơn 0"), target_id=target.pk
                        )
                    )
                elif total > people:
                    errors.append(FieldError("rating_good", too_many, target_id=target.pk))
                cap = settings.EXCELLENT_CAP_PERCENT
                excellent, good = counts[0], counts[1]
                if excellent * 100 > cap * good:
                    errors.append(
                        FieldError(
                            "rating_excellent",
                            _(
                                "số hoàn thành xuất sắc (%(excellent)s) vượt quá %(cap)s%% số hoàn thành "
                                "tốt (%(good)s)"
                            )
                            % {"excellent": excellent, "cap": cap, "good": good},
                            target_id=target.pk,
                        )
                    )
        elif target.is_ratio:
            if (entry.numerator is None) != (entry.denominator is None):
                missing = "denominator" if entry.denominator is None else "numerator"
                errors.append(FieldError(missing, _("cần nhập cả tử số và mẫu số"), target_id=target.pk))
            elif entry.numerator is not None:
                if entry.denominator == 0:
                    errors.append(FieldError("denominator", _("mẫu số phải lớn hơn 0"), target_id=target.pk))
                elif entry.numerator > entry.denominator:
                    errors.append(
                        FieldError(
                            "numerator",
                            _("tử số (%(n)s) không được lớn hơn mẫu số (%(d)s)")
                            % {"n": entry.numerator, "d": entry.denominator},
                            target_id=target.pk,
                        )
                    )
                if entry.denominator > people and not target.is_unit_target:
                    errors.append(FieldError("denominator", too_many, target_id=target.pk))
                proposed = (proposals or {}).get(target.pk)
                if proposed and (entry.numerator, entry.denominator) != proposed and not entry.note:
                    errors.append(
                        FieldError(
                            "note",
                            _(
                                "khác số đề xuất từ các buổi học tập (%(n)s/%(d)s): cần ghi chú lý do điều chỉnh"
                            )
                            % {"n": proposed[0], "d": proposed[1]},
                            target_id=target.pk,
                        )
                    )
        elif target.is_milestone:
            if entry.done_on is not None and not entry.done:
                errors.append(FieldError("done_on", _("chỉ nhập ngày khi đã đạt"), target_id=target.pk))
            if entry.done and entry.done_on is None:
                errors.append(FieldError("done_on", _("cần nhập ngày đạt"), target_id=target.pk))
            if entry.done_on is not None and entry.done_on > period.ends_on.replace(month=12, day=31):
                errors.append(
                    FieldError("done_on", _("ngày đạt không được sau năm báo cáo"), target_id=target.pk)
                )
            elif entry.done_on is not None and entry.done_on < period.congress.held_from:
                errors.append(FieldError("done_on", _("ngày đạt phải trong nhiệm kỳ"), target_id=target.pk))
    return errors


def _confidence_errors(target: Target, entry: EntryInput, reading: str | None) -> list[FieldError]:
    from targets.models import Confidence

    said, reason = entry.confidence or "", (entry.confidence_reason or "").strip()
    if said and said not in Confidence.values:
        return [FieldError("confidence", _("chọn một trong ba mức đánh giá"), target_id=target.pk)]
    if len(reason) > CONFIDENCE_REASON_MAX:
        return [
            FieldError(
                "confidence_reason",
                _("lý do chỉ ghi một dòng, tối đa %(n)s ký tự") % {"n": CONFIDENCE_REASON_MAX},
                target_id=target.pk,
            )
        ]
    if said and reading and said != reading and not reason:
        return [
            FieldError(
                "confidence_reason",
                _("cần ghi lý do vì khác với đánh giá theo số liệu (%(computed)s)")
                % {"computed": Confidence(reading).label},
                target_id=target.pk,
            )
        ]
    return []


def missing_for_submission(targets: list[Target], inputs: dict[int, EntryInput]) -> list[FieldError]:
    """A report is submitted complete: every target it carries has its figures."""
    return [
        FieldError(input_fields(t)[0], _("cần nhập trước khi gửi báo cáo"), target_id=t.pk)
        for t in targets
        if not inputs.get(t.pk, EntryInput()).is_filled(t)
    ]


# --- Which targets a unit reports -----------------------------------------------------


def unit_scope_targets(unit: Unit, congress) -> list[Target]:
    """The resolution's targets, and the own targets of this unit and of the units above it."""
    paths = unit.ancestor_paths()
    return list(
        Target.objects.filter(resolution__congress=congress)
        .filter(Q(owner_unit__isnull=True) | Q(owner_unit__path__in=paths))
        .select_related("parent", "programme", "owner_unit", "serves")
        .order_by("position", "code")
    )


def targets_for(unit: Unit, period: Period) -> list[Target]:
    """The targets a unit reports for a quarter, parents before their sub-counts.

    Ratios and milestones concern every unit. A count target concerns the units
    holding a quota of it, or every unit when it has no quotas at all; a
    sub-count goes with its parent. Year-end targets appear in Q4 only. A unit's
    own targets (and those of the units above it) come after the resolution's,
    within the years they cover.
    """
    targets = unit_scope_targets(unit, period.congress)
    resolution_counts = [t for t in targets if t.is_count and not t.is_unit_target]
    with_quotas = set(
        Allocation.objects.filter(target__in=resolution_counts).values_list("target_id", flat=True).distinct()
    )
    own_quotas = set(
        Allocation.objects.filter(target__in=resolution_counts, unit=unit)
        .values_list("target_id", flat=True)
        .distinct()
    )
    chosen = []
    for target in targets:
        if not target.reported_in(period.quarter, period.year):
            continue
        if target.is_count and not target.is_unit_target:
            if target.pk in with_quotas and target.pk not in own_quotas:
                continue
            if target.parent_id and not any(t.pk == target.parent_id for t in chosen):
                continue
        chosen.append(target)
    return chosen


def figure_text(target: Target, entry) -> str:
    """A target's figures in one report, as a reviewer reads them: 5; 140/142 (98,6%); đạt 03/05/2025."""
    from config.formatting import format_number, format_percent, ratio_percent

    if entry is None:
        return "–"
    if target.is_count:
        return format_number(entry.value) if entry.value is not None else "–"
    if target.is_ratio:
        if entry.numerator is None or not entry.denominator:
            return "–"
        return f"{format_number(entry.numerator)}/{format_number(entry.denominator)} ({format_percent(ratio_percent(entry.numerator, entry.denominator))})"
    if entry.done is None:
        return "–"
    if entry.done:
        return _("Đã đạt") + (f" {entry.done_on:%d/%m/%Y}" if entry.done_on else "")
    return _("Chưa đạt")

"""Demo data: the Bình Dương bloc's VII congress (term 2020–2025) and its units.

The congress facts, the general direction and the targets come from the source
article (docs/domain.md, "The demo and its source"); the three named units are real; every other unit is
fictional ("… mẫu 012") and its figures are generated from a fixed seed, so
every machine gets the same demo.

`load_demo` is idempotent: it creates what is missing and never overwrites,
so running it twice changes nothing and a clerk's edits survive a re-run. The
one exception: a run on a later day renews kcn-nam-tan-uyen's deadline
extension, so that its Q2/2025 report is always open for entry (`_extension`).
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config import clock
from config.refusals import Refused
from resolutions.models import ActionProgramme, Congress, Resolution
from targets.models import (
    Allocation,
    DeadlineExtension,
    Entry,
    Period,
    ProgressReport,
    Target,
    TargetProposal,
)
from targets.periods import periods_ensure
from targets.rollup import rollup_full
from units.models import Membership, Unit
from units.services import Decision, NewUnit

Kind = Unit.Kind
Sector = Unit.Sector
Measure = Target.Measure
Status = ProgressReport.Status

DEMO_PASSWORD = "demo1234"
SEED = 20200715  # the day the VII congress closed

BLOC_NAME = "Đảng bộ Khối Các cơ quan và doanh nghiệp tỉnh Bình Dương"
GENERAL_DIRECTION = (
    "Tiếp tục nâng cao năng lực lãnh đạo và sức chiến đấu của các tổ chức cơ sở Đảng "
    "thực sự trong sạch, vững mạnh về chính trị, tư tưởng, tổ chức và đạo đức; đổi mới "
    "phương thức lãnh đạo của Đảng phù hợp với từng loại hình tổ chức cơ sở đảng để hoàn "
    "thành tốt nhiệm vụ chính tri được giao"
)  # verbatim from the article, including its missing accent in "chính tri"

# (code, name, sector, members held by cells below it)
NAMED_UNITS = [
    ("kcn-nam-tan-uyen", "Đảng ủy Khu công nghiệp Nam Tân Uyên", Sector.INDUSTRIAL_ZONE, 142),
    ("so-xay-dung", "Đảng bộ Sở Xây dựng", Sector.STATE_AGENCY, 86),
    ("buu-dien", "Đảng bộ Bưu điện tỉnh Bình Dương", Sector.STATE_ENTERPRISE, 118),
]
# Units whose committee elected a standing committee (Ban Thường vụ): two of the named units and
# the large fictional ones, so that documents show both "T/M BAN THƯỜNG VỤ" and "T/M ĐẢNG ỦY".
STANDING_COMMITTEES = {"so-xay-dung", "buu-dien"}
STANDING_COMMITTEE_MEMBERS = 150
GRASSROOTS_COUNT = 137  # grassroots organisations at the VII congress (not in the article: docs/domain.md)
TOTAL_MEMBERS = 7935

# Fictional units by sector: how many, and the name pattern.
FICTIONAL_SECTORS = [
    (Sector.STATE_AGENCY, 58, "Cơ quan mẫu"),
    (Sector.STATE_ENTERPRISE, 22, "Công ty Nhà nước mẫu"),
    (Sector.NON_STATE_ENTERPRISE, 47, "Công ty TNHH mẫu"),
    (Sector.INDUSTRIAL_ZONE, 7, "Khu công nghiệp mẫu"),
]

DEMO_USERS = [
    # (username, full name, role, unit code)
    ("vanphong", "Văn phòng Đảng ủy khối", Membership.Role.BLOC_OFFICE, "duk"),
    ("thuongvu", "Ủy viên Ban Thường vụ", Membership.Role.STANDING_COMMITTEE, "duk"),
    ("namtanuyen", "Bí thư Đảng ủy KCN Nam Tân Uyên", Membership.Role.UNIT_SECRETARY, "kcn-nam-tan-uyen"),
    ("buudien", "Bí thư Đảng bộ Bưu điện tỉnh", Membership.Role.UNIT_SECRETARY, "buu-dien"),
    ("soxaydung", "Bí thư Đảng bộ Sở Xây dựng", Membership.Role.UNIT_SECRETARY, "so-xay-dung"),
]

# kcn-nam-tan-uyen's Q2/2025 stays open this many days after the demo is loaded (at most 366: the reopen rule).
EXTENSION_DAYS = 90

RETURN_COMMENT = (
    "Đề nghị đơn vị kiểm tra lại số đảng viên mới kết nạp trong quý: chưa khớp với "
    "số quyết định kết nạp đã gửi Ban Tổ chức."
)


@dataclass
class DemoSummary:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    logins_skipped: bool = False
    # kcn-nam-tan-uyen's Q2/2025 is open for entry until this day; renewed by this run or not.
    open_until: date | None = None
    extension_renewed: bool = False

    def add(self, name: str, count: int) -> None:
        self.created[name] = self.created.get(name, 0) + count


# --- Congresses and resolution ------------------------------------------------


def _congresses(bloc: Unit, summary: DemoSummary) -> Congress:
    national, made = Congress.objects.get_or_create(
        organisation_name="Đảng Cộng sản Việt Nam",
        ordinal=13,
        defaults=dict(
            term_start_year=2021,
            term_end_year=2026,
            held_from=date(2021, 1, 25),
            held_to=date(2021, 2, 1),
        ),
    )
    summary.add("congresses", made)
    provincial, made = Congress.objects.get_or_create(
        organisation_name="Đảng bộ tỉnh Bình Dương",
        ordinal=11,
        defaults=dict(
            term_start_year=2020,
            term_end_year=2025,
            held_from=date(2020, 10, 13),
            held_to=date(2020, 10, 15),
            executive_committee_size=49,
            standing_committee_size=15,
            secretaries=1,
            deputy_secretaries=2,
            delegates_to_parent=17,
            alternates_to_parent=2,
            parent=national,
        ),
    )
    summary.add("congresses", made)
    bloc_congress, made = Congress.objects.get_or_create(
        organisation_name=BLOC_NAME,
        ordinal=7,
        defaults=dict(
            unit=bloc,
            term_start_year=2020,
            term_end_year=2025,
            held_from=date(2020, 7, 13),
            held_to=date(2020, 7, 15),
            delegates=299,
            members_represented=TOTAL_MEMBERS,
            grassroots_organisations=GRASSROOTS_COUNT,
            executive_committee_size=33,
            standing_committee_size=9,
            secretaries=1,
            deputy_secretaries=2,
            parent=provincial,
        ),
    )
    summary.add("congresses", made)
    return bloc_congress


PROGRAMMES = [
    (
        1,
        "Nâng cao năng lực lãnh đạo, sức chiến đấu của tổ chức cơ sở đảng và chất lượng đội ngũ đảng viên",
    ),
    (
        2,
        "Phát triển đảng viên, xây dựng tổ chức đảng và tổ chức đoàn thể trong doanh nghiệp "
        "ngoài khu vực nhà nước",
    ),
]
PROGRAMME_NOTE = (
    "Tên chương trình là dữ liệu mẫu: bài báo nguồn chỉ nêu Đại hội đề ra 2 chương trình "
    "hành động cùng các chỉ tiêu cụ thể."
)

# code, programme, title, short title, measure, scope, reporting, value, unit label,
# numerator label, denominator label, from rating, parent code
TARGETS = [
    (
        "CT01",
        1,
        "100% đảng viên được nghiên cứu, học tập, quán triệt chỉ thị, nghị quyết của Đảng, "
        "chính sách, pháp luật của Nhà nước",
        "Đảng viên học tập, quán triệt nghị quyết",
        Measure.RATIO,
        "term",
        "quarterly",
        100,
        "%",
        "Số đảng viên đã học tập, quán triệt",
        "Tổng số đảng viên",
        False,
        None,
    ),
    (
        "CT02",
        1,
        "Hằng năm có 100% chi, đảng bộ cơ sở được xếp loại hoàn thành tốt nhiệm vụ",
        "Tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ",
        Measure.RATIO,
        "yearly",
        "year_end",
        100,
        "%",
        "Số chi, đảng bộ cơ sở hoàn thành tốt nhiệm vụ trở lên",
        "Số chi, đảng bộ cơ sở được xếp loại",
        False,
        None,
    ),
    (
        "CT03",
        1,
        "Hằng năm có 90% đảng viên trở lên hoàn thành tốt nhiệm vụ",
        "Đảng viên hoàn thành tốt nhiệm vụ",
        Measure.RATIO,
        "yearly",
        "year_end",
        90,
        "%",
        "Số đảng viên hoàn thành tốt nhiệm vụ trở lên",
        "Số đảng viên được xếp loại",
        True,
        None,
    ),
    (
        "CT04",
        1,
        "Số chi, đảng bộ cơ sở và đảng viên hoàn thành xuất sắc nhiệm vụ bảo đảm theo quy định",
        "Tỷ lệ hoàn thành xuất sắc theo quy định",
        Measure.MILESTONE,
        "yearly",
        "year_end",
        100,
        "%",
        "",
        "",
        False,
        None,
    ),
    (
        "CT05",
        2,
        "Thành lập 20 tổ chức đảng trong doanh nghiệp ngoài nhà nước",
        "Tổ chức đảng mới trong DN ngoài nhà nước",
        Measure.FLOW,
        "term",
        "quarterly",
        20,
        "tổ chức đảng",
        "",
        "",
        False,
        None,
    ),
    (
        "CT06",
        2,
        "Kết nạp 1.800 đảng viên mới",
        "Kết nạp đảng viên mới",
        Measure.FLOW,
        "term",
        "quarterly",
        1800,
        "đảng viên",
        "",
        "",
        False,
        None,
    ),
    (
        "CT06.1",
        2,
        "Trong đó có ít nhất 300 đảng viên trong doanh nghiệp ngoài khu vực Nhà nước",
        "Trong đó: trong DN ngoài khu vực Nhà nước",
        Measure.SUBCOUNT,
        "term",
        "quarterly",
        300,
        "đảng viên",
        "",
        "",
        False,
        "CT06",
    ),
    (
        "CT07",
        2,
        "Thành lập 25 tổ chức Đoàn - Hội",
        "Tổ chức Đoàn - Hội mới",
        Measure.FLOW,
        "term",
        "quarterly",
        25,
        "tổ chức",
        "",
        "",
        False,
        None,
    ),
    (
        "CT08",
        2,
        "Phát triển đoàn viên, hội viên bảo đảm hoàn thành chỉ tiêu theo đề án của tỉnh giao",
        "Phát triển đoàn viên, hội viên theo đề án",
        Measure.MILESTONE,
        "yearly",
        "year_end",
        100,
        "%",
        "",
        "",
        False,
        None,
    ),
]


def _resolution(congress: Congress, summary: DemoSummary) -> tuple[Resolution, dict[str, Target]]:
    resolution, made = Resolution.objects.get_or_create(
        congress=congress,
        defaults=dict(
            title=(
                "Nghị quyết Đại hội đại biểu Đảng bộ Khối Các cơ quan và doanh nghiệp tỉnh "
                "lần thứ VII, nhiệm kỳ 2020–2025"
            ),
            adopted_on=date(2020, 7, 15),
            general_direction=GENERAL_DIRECTION,
        ),
    )
    summary.add("resolutions", made)
    programmes = {}
    for number, title in PROGRAMMES:
        programmes[number], made = ActionProgramme.objects.get_or_create(
            resolution=resolution, number=number, defaults=dict(title=title, description=PROGRAMME_NOTE)
        )
        summary.add("programmes", made)
    targets: dict[str, Target] = {}
    for position, row in enumerate(TARGETS, start=1):
        (
            code,
            programme,
            title,
            short,
            measure,
            scope,
            reporting,
            value,
            unit_label,
            numerator_label,
            denominator_label,
            from_rating,
            parent_code,
        ) = row
        targets[code], made = Target.objects.get_or_create(
            resolution=resolution,
            code=code,
            defaults=dict(
                programme=programmes[programme],
                title=title,
                short_title=short,
                measure=measure,
                scope=scope,
                reporting=reporting,
                value=Decimal(value),
                unit_label=unit_label,
                numerator_label=numerator_label,
                denominator_label=denominator_label,
                from_rating=from_rating,
                parent=targets[parent_code] if parent_code else None,
                position=position,
                # The study sessions units record propose their figure for the study target.
                fed_by_study=code == "CT01",
            ),
        )
        summary.add("targets", made)
    return resolution, targets


# --- Units ----------------------------------------------------------------------


@dataclass
class PlannedUnit:
    code: str
    name: str
    kind: str
    sector: str
    members: int  # total in the organisation, cells included
    cells: int


def _split(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder)."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def plan_units() -> list[PlannedUnit]:
    """The 137 grassroots organisations: the 3 named ones and 134 fictional ones."""
    rng = random.Random(SEED)
    planned = [
        PlannedUnit(code, name, Kind.DANG_BO_CO_SO, sector, members, 3)
        for code, name, sector, members in NAMED_UNITS
    ]
    number = 0
    for sector, count, pattern in FICTIONAL_SECTORS:
        for _ in range(count):
            number += 1
            big = sector == Sector.INDUSTRIAL_ZONE or rng.random() < 0.28
            if sector == Sector.INDUSTRIAL_ZONE:
                name = f"Đảng ủy {pattern} {number:03d}"
            elif big:
                name = f"Đảng bộ {pattern} {number:03d}"
            else:
                name = f"Chi bộ {pattern} {number:03d}"
            planned.append(
                PlannedUnit(
                    code=f"demo-{number:03d}",
                    name=name,
                    kind=Kind.DANG_BO_CO_SO if big else Kind.CHI_BO_CO_SO,
                    sector=sector,
                    members=rng.randint(40, 150) if big else rng.randint(6, 29),
                    cells=rng.randint(2, 5) if big else 0,
                )
            )
    # Fit the fictional sizes so that the bloc holds exactly 7,935 members.
    fixed = sum(u.members for u in planned[: len(NAMED_UNITS)])
    fictional = planned[len(NAMED_UNITS) :]
    for unit, members in zip(
        fictional, _split(TOTAL_MEMBERS - fixed, [u.members for u in fictional]), strict=True
    ):
        unit.members = max(members, 3)
    drift = TOTAL_MEMBERS - sum(u.members for u in planned)
    max(fictional, key=lambda u: u.members).members += drift
    return planned


def _units(summary: DemoSummary) -> tuple[Unit, list[Unit]]:
    bloc = Unit.objects.filter(code="duk").first()
    if bloc is None:
        bloc = Unit.objects.add_root(
            instance=Unit(
                code="duk",
                name=BLOC_NAME,
                short_name="Đảng bộ Khối",
                kind=Kind.BLOC,
                has_standing_committee=True,
            )
        )
        summary.add("units", 1)
    rng = random.Random(SEED + 1)
    existing = set(Unit.objects.values_list("code", flat=True))
    grassroots = []
    for plan in plan_units():
        unit = Unit.objects.filter(code=plan.code).first()
        if unit is None:
            per_cell = (
                _split(plan.members, [rng.uniform(0.6, 1.4) for _ in range(plan.cells)]) if plan.cells else []
            )
            workforce_factor = 2 if plan.sector == Sector.STATE_AGENCY else rng.randint(4, 30)
            unit = Unit.objects.add_child(
                bloc,
                instance=Unit(
                    code=plan.code,
                    name=plan.name,
                    kind=plan.kind,
                    sector=plan.sector,
                    members=0 if plan.cells else plan.members,
                    workforce=plan.members * workforce_factor,
                    has_standing_committee=plan.code in STANDING_COMMITTEES
                    or plan.members >= STANDING_COMMITTEE_MEMBERS,
                    active_from=date(2020, 7, 16),
                ),
            )
            summary.add("units", 1)
            for index, cell_members in enumerate(per_cell, start=1):
                code = f"{plan.code}-cb{index:02d}"
                if code in existing:
                    continue
                Unit.objects.add_child(
                    unit,
                    instance=Unit(
                        code=code,
                        name=f"Chi bộ {index:02d} – {plan.name}",
                        kind=Kind.CHI_BO_TRUC_THUOC,
                        sector=plan.sector,
                        members=cell_members,
                        active_from=date(2020, 7, 16),
                    ),
                )
                summary.add("units", 1)
        grassroots.append(unit)
    bloc.refresh_from_db()
    return bloc, grassroots


def _subtree_members() -> dict[int, int]:
    """Members per grassroots organisation, cells included."""
    totals: dict[int, int] = {}
    paths = {u.path: u.pk for u in Unit.objects.filter(depth=2)}
    for path, members in Unit.objects.filter(depth__gte=2).values_list("path", "members"):
        top = paths.get(path[: 2 * Unit.steplen])
        if top:
            totals[top] = totals.get(top, 0) + members
    return totals


# --- Quotas ---------------------------------------------------------------------


def _allocations(
    targets: dict[str, Target], units: list[Unit], members: dict[int, int], summary: DemoSummary
) -> dict[tuple[str, int], int]:
    """Unit quotas that add up exactly to the bloc's count targets."""
    non_state = [u for u in units if u.sector in (Sector.NON_STATE_ENTERPRISE, Sector.INDUSTRIAL_ZONE)]
    zones = [u for u in units if u.sector == Sector.INDUSTRIAL_ZONE]
    big_non_state = sorted(
        (u for u in units if u.sector == Sector.NON_STATE_ENTERPRISE),
        key=lambda u: (-members[u.pk], u.code),
    )[:9]
    weights = {u.pk: members[u.pk] * (1.6 if u in non_state else 1.0) for u in units}
    plan = {
        "CT06": (units, [weights[u.pk] for u in units]),
        "CT06.1": (non_state, [members[u.pk] for u in non_state]),
        "CT05": (zones, [3 if u.code == "kcn-nam-tan-uyen" else 2 for u in zones]),
        "CT07": (zones + big_non_state, [2 if u in zones else 1 for u in zones + big_non_state]),
    }
    quotas: dict[tuple[str, int], int] = {}
    for code, (chosen, w) in plan.items():
        target = targets[code]
        for unit, value in zip(chosen, _split(int(target.value), w), strict=True):
            quotas[(code, unit.pk)] = value
    # A sub-count quota never exceeds the unit's quota of its parent target.
    for unit in non_state:
        quotas[("CT06.1", unit.pk)] = min(quotas[("CT06.1", unit.pk)], quotas[("CT06", unit.pk)])
    shortfall = int(targets["CT06.1"].value) - sum(v for (c, _), v in quotas.items() if c == "CT06.1")
    for unit in sorted(non_state, key=lambda u: -quotas[("CT06", u.pk)]):
        room = quotas[("CT06", unit.pk)] - quotas[("CT06.1", unit.pk)]
        take = min(room, shortfall)
        quotas[("CT06.1", unit.pk)] += take
        shortfall -= take
    existing = set(Allocation.objects.filter(year__isnull=True).values_list("target_id", "unit_id"))
    new = [
        Allocation(target=targets[code], unit_id=unit_id, value=value)
        for (code, unit_id), value in quotas.items()
        if (targets[code].pk, unit_id) not in existing
    ]
    Allocation.objects.bulk_create(new)
    summary.add("allocations", len(new))
    return quotas


# --- Quarterly progress ---------------------------------------------------------


def _stochastic_round(rng: random.Random, x: float) -> int:
    whole = int(x)
    return whole + (1 if rng.random() < x - whole else 0)


def _entries_for(rng, unit, period, targets, quotas, members, pace, periods_total) -> list[Entry]:
    """Plausible figures for one unit and quarter."""
    entries = []
    quarter_share = 1 / periods_total
    total_members = members[unit.pk]
    new_members = 0
    for code, target in targets.items():
        if not target.reported_in(period.quarter):
            continue
        if target.is_count:
            quota = quotas.get((code, unit.pk))
            if quota is None:
                continue
            if code == "CT06.1":
                share = quota / max(quotas[("CT06", unit.pk)], 1)
                value = min(new_members, _stochastic_round(rng, new_members * share * rng.uniform(0.6, 1.4)))
            else:
                value = _stochastic_round(rng, quota * quarter_share * pace * rng.uniform(0.4, 1.6))
                if code == "CT06":
                    new_members = value
            entries.append(Entry(target=target, value=value))
        elif code == "CT01":
            # Study coverage climbs towards 100% over the term; slower units stay short of it.
            ceiling = 1.0 if pace >= 0.85 else 0.97
            progress = min(ceiling, 0.8 + 0.015 * period.index + rng.uniform(-0.03, 0.03))
            studied = min(total_members, round(total_members * progress))
            entries.append(Entry(target=target, numerator=studied, denominator=total_members))
        elif code == "CT02":
            well = 1 if rng.random() < 0.95 else 0
            entries.append(Entry(target=target, numerator=well, denominator=1))
        elif target.from_rating:
            not_completed = 1 if rng.random() < 0.2 else 0
            good_share = rng.uniform(0.74, 0.84) if pace > 0.75 else rng.uniform(0.66, 0.78)
            good_and_excellent = min(
                total_members - not_completed, round(total_members * (good_share + 0.12))
            )
            excellent = min(round(good_and_excellent * rng.uniform(0.1, 0.16)), good_and_excellent)
            good = good_and_excellent - excellent
            completed = total_members - good_and_excellent - not_completed
            entries.append(
                Entry(
                    target=target,
                    rating_excellent=excellent,
                    rating_good=good,
                    rating_completed=completed,
                    rating_not_completed=not_completed,
                    numerator=excellent + good,
                    denominator=total_members,
                )
            )
        elif target.is_milestone:
            done = rng.random() < 0.93
            entries.append(
                Entry(
                    target=target,
                    done=done,
                    done_on=date(period.year, 12, rng.randint(10, 28)) if done else None,
                )
            )
    return entries


def _q2_2025_statuses(rng: random.Random, units: list[Unit]) -> dict[int, str | None]:
    """The last quarter of the term, as the office would see it in mid-July 2025."""
    others = [u for u in units if u.code != "kcn-nam-tan-uyen"]
    rng.shuffle(others)
    statuses: dict[int, str | None] = {}
    for i, unit in enumerate(others):
        if i < 100:
            statuses[unit.pk] = Status.APPROVED
        elif i < 114:
            statuses[unit.pk] = Status.SUBMITTED
        elif i < 115:
            statuses[unit.pk] = Status.RETURNED
        elif i < 127:
            statuses[unit.pk] = Status.DRAFT
        else:
            statuses[unit.pk] = None  # not started
    statuses[next(u.pk for u in units if u.code == "kcn-nam-tan-uyen")] = None
    return statuses


def _at(day: date, hour: int = 9):
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour, 0))


def _progress(targets, units, periods, quotas, members, office_user, clerks, summary: DemoSummary) -> None:
    """Reports as their units entered and sent them (by the unit's own user, on the day) and the
    office reviewed them (by the office, days later): the history reads as it happened, and no
    report is both sent and approved by one person."""
    rng = random.Random(SEED + 2)
    paces = {u.pk: rng.choice([0.55, 0.7, 0.85, 0.95, 1.0, 1.05, 1.1, 1.2, 1.35]) for u in units}
    existing = set(ProgressReport.objects.values_list("unit_id", "period_id"))
    last = periods[-1]
    q2_statuses = _q2_2025_statuses(random.Random(SEED + 3), units)
    reports, entries_by_report, final_status = [], [], []
    for period in periods:
        for unit in units:
            # Draw the unit's figures even when the report exists, so that the
            # random sequence, and thus every other unit's figures, never shifts.
            entries = _entries_for(rng, unit, period, targets, quotas, members, paces[unit.pk], len(periods))
            skipped = rng.random() < 0.04
            late = rng.random() < 0.08
            days_early, review_days = rng.randint(1, 12), rng.randint(1, 6)
            if (unit.pk, period.pk) in existing:
                continue
            status = q2_statuses[unit.pk] if period == last else (None if skipped else Status.APPROVED)
            if status is None:
                continue
            submitted = (
                period.deadline - timedelta(days=days_early) + (timedelta(days=9) if late else timedelta())
            )
            clerk = clerks.get(unit.pk)
            # Late means sent after the deadline in force (no demo report has an extension).
            report = ProgressReport(
                unit=unit,
                period=period,
                status=Status.DRAFT if status == Status.DRAFT else Status.SUBMITTED,
                late=status != Status.DRAFT and submitted > period.deadline,
            )
            # The first history line: the unit entered (and sent) it.
            report._history_user = clerk
            report._history_date = _at(submitted)
            if status != Status.DRAFT:
                report.submitted_at = _at(submitted)
                report.submitted_by = clerk
                report._change_reason = "Dữ liệu mẫu: đơn vị gửi báo cáo"
            for entry in entries:
                entry._history_user = clerk
                entry._history_date = report._history_date
            reports.append(report)
            entries_by_report.append(entries)
            final_status.append((status, _at(submitted + timedelta(days=review_days), 15)))
    if not reports:
        return
    created = bulk_create_with_history(
        reports, ProgressReport, batch_size=500, default_change_reason="Dữ liệu mẫu"
    )
    # bulk_create_with_history returns the objects with primary keys on both databases.
    all_entries = []
    for report, entries in zip(created, entries_by_report, strict=True):
        for entry in entries:
            entry.report = report
            all_entries.append(entry)
    bulk_create_with_history(all_entries, Entry, batch_size=2000, default_change_reason="Dữ liệu mẫu")
    # The second history line: the office approved or returned it.
    reviewed = []
    for report, (status, reviewed_at) in zip(created, final_status, strict=True):
        if status not in (Status.APPROVED, Status.RETURNED):
            continue
        report.status = status
        report.reviewed_at = reviewed_at
        report.reviewed_by = office_user
        report.version += 1
        report._history_user = office_user
        report._history_date = report.reviewed_at
        if status == Status.RETURNED:
            report.review_comment = RETURN_COMMENT
            report._change_reason = "Trả lại (dữ liệu mẫu)"  # the comment itself: review_comment
        else:
            report._change_reason = "Duyệt báo cáo (dữ liệu mẫu)"
        reviewed.append(report)
    bulk_update_with_history(
        reviewed,
        ProgressReport,
        ["status", "reviewed_at", "reviewed_by", "version", "review_comment"],
        batch_size=500,
    )
    summary.add("reports", len(created))
    summary.add("entries", len(all_entries))


def _extension(unit: Unit, period: Period, office_user, today: date, summary: DemoSummary) -> None:
    """kcn-nam-tan-uyen has not started Q2/2025; the office extended its deadline for the demo.

    The one exception to "never overwrite": the demo must leave that report open for entry on
    the day it is loaded, whenever that is, so a later run renews the extension (never shortens
    it). It is granted anew that day, so it stays within the reopen rule's one year from the day
    granted (report_reopen); the renewal is kept in the extension's history.
    """
    until = today + timedelta(days=EXTENSION_DAYS)
    extension, made = DeadlineExtension.objects.get_or_create(
        unit=unit,
        period=period,
        defaults=dict(
            until=until,
            reason="Gia hạn để trình diễn việc nhập báo cáo quý (dữ liệu mẫu).",
            granted_by=office_user,
        ),
    )
    summary.add("deadline extensions", made)
    if not made and extension.until < until:
        extension.until = until
        extension.granted_at = clock.now()
        extension._change_reason = "Gia hạn lại khi nạp dữ liệu mẫu"
        extension._history_user = office_user
        extension.save(update_fields=["until", "granted_at"])
        summary.extension_renewed = True
    summary.open_until = extension.until


# --- Units' own targets ("gắn với ngành, đơn vị mình") ---------------------------------------

PROVINCIAL_TARGETS = [
    # code, title, short title, measure, value, unit label
    (
        "P01",
        "Kết nạp ít nhất 15.000 đảng viên mới trong nhiệm kỳ (chỉ tiêu mẫu)",
        "Kết nạp đảng viên mới của tỉnh (mẫu)",
        Measure.FLOW,
        15000,
        "đảng viên",
    ),
    (
        "P02",
        "Xây dựng đô thị thông minh, chính quyền số: 100% thủ tục hành chính đủ điều kiện được cung cấp "
        "trực tuyến toàn trình (chỉ tiêu mẫu)",
        "Đô thị thông minh, chính quyền số (mẫu)",
        Measure.RATIO,
        100,
        "%",
    ),
]
# unit code, title, measure, value, unit label, numerator label, denominator label, years, serves
UNIT_TARGETS = [
    (
        "so-xay-dung",
        "Số đồ án quy hoạch được số hóa, công khai trên cổng thông tin quy hoạch (dữ liệu mẫu)",
        Measure.FLOW,
        40,
        "đồ án",
        "",
        "",
        None,
        "P02",
    ),
    (
        "so-xay-dung",
        "Tỷ lệ hồ sơ cấp giấy phép xây dựng được giải quyết trực tuyến (dữ liệu mẫu)",
        Measure.RATIO,
        80,
        "%",
        "Số hồ sơ giải quyết trực tuyến",
        "Tổng số hồ sơ cấp phép xây dựng",
        None,
        "P02",
    ),
    (
        "so-xay-dung",
        "Ban hành Quy chế quản lý đô thị thông minh của ngành (dữ liệu mẫu)",
        Measure.MILESTONE,
        100,
        "%",
        "",
        "",
        (2021, 2022),
        "P02",
    ),
    (
        "buu-dien",
        "Số điểm Bưu điện văn hóa xã tiếp nhận, trả kết quả thủ tục hành chính (dữ liệu mẫu)",
        Measure.FLOW,
        60,
        "điểm",
        "",
        "",
        None,
        "P02",
    ),
    (
        "buu-dien",
        "Số lượt người dân được hướng dẫn sử dụng dịch vụ công trực tuyến (dữ liệu mẫu)",
        Measure.FLOW,
        20000,
        "lượt người",
        "",
        "",
        None,
        "P02",
    ),
    (
        "buu-dien",
        "Tỷ lệ xã, phường có điểm hỗ trợ dịch vụ công trực tuyến (dữ liệu mẫu)",
        Measure.RATIO,
        100,
        "%",
        "Số xã, phường có điểm hỗ trợ",
        "Tổng số xã, phường",
        None,
        "P02",
    ),
]
PENDING_PROPOSAL = (
    "buu-dien",
    "Số hộ kinh doanh được hỗ trợ chuyển đổi số (dữ liệu mẫu)",
    Measure.FLOW,
    500,
    "hộ kinh doanh",
    "P02",
    "Triển khai đề án chuyển đổi số của Tổng công ty Bưu điện (dữ liệu mẫu).",
)


def _provincial_targets(bloc_congress: Congress, targets: dict[str, Target], summary: DemoSummary) -> dict:
    provincial = bloc_congress.parent
    resolution, made = Resolution.objects.get_or_create(
        congress=provincial,
        defaults=dict(
            title="Nghị quyết Đại hội đại biểu Đảng bộ tỉnh Bình Dương lần thứ XI, nhiệm kỳ 2020–2025",
            adopted_on=date(2020, 10, 15),
        ),
    )
    summary.add("resolutions", made)
    out = {}
    for position, (code, title, short, measure, value, unit_label) in enumerate(PROVINCIAL_TARGETS, start=1):
        out[code], made = Target.objects.get_or_create(
            resolution=resolution,
            code=code,
            defaults=dict(
                title=title,
                short_title=short,
                measure=measure,
                value=Decimal(value),
                unit_label=unit_label,
                position=position,
            ),
        )
        summary.add("targets", made)
    # The bloc's new-member target serves the province's (a link for the reader, not a sum).
    if targets["CT06"].serves_id is None:
        Target.objects.filter(pk=targets["CT06"].pk).update(serves=out["P01"])
    return out


def _unit_targets(
    bloc_congress: Congress, periods: list[Period], office_user, clerks, summary: DemoSummary
) -> None:
    """so-xay-dung and buu-dien carry targets of their own sector, approved by the office."""
    from targets.services.proposals import ProposalInput, target_proposal_approve, target_propose

    user_model = get_user_model()
    provincial = _provincial_targets(
        bloc_congress,
        {
            t.code: t
            for t in Target.objects.filter(resolution__congress=bloc_congress, owner_unit__isnull=True)
        },
        summary,
    )
    if office_user is None:
        return
    proposer = {
        "so-xay-dung": user_model.objects.filter(username="soxaydung").first(),
        "buu-dien": user_model.objects.filter(username="buudien").first(),
    }
    rng = random.Random(SEED + 4)
    created_targets = []
    for code, title, measure, value, unit_label, num_label, den_label, years, serves in UNIT_TARGETS:
        unit = Unit.objects.get(code=code)
        draws = [rng.random() for _ in range(len(periods) * 2)]
        if Target.objects.filter(owner_unit=unit, title=title).exists() or proposer[code] is None:
            continue
        proposal = target_propose(
            unit=unit,
            user=proposer[code],
            data=ProposalInput(
                title=title,
                measure=measure,
                value=Decimal(value),
                unit_label=unit_label,
                numerator_label=num_label,
                denominator_label=den_label,
                first_year=years[0] if years else None,
                last_year=years[1] if years else None,
                serves=provincial[serves],
                reason="Cụ thể hóa Nghị quyết gắn với nhiệm vụ chính trị của ngành (dữ liệu mẫu).",
            ),
        )
        target = target_proposal_approve(proposal=proposal, user=office_user, comment="Thống nhất.")
        summary.add("unit targets", 1)
        created_targets.append((unit, target, draws))
    entries = []
    for unit, target, draws in created_targets:
        reports = {
            r.period.index: r
            for r in ProgressReport.objects.filter(
                unit=unit, status=Status.APPROVED, period__index__lte=len(periods) - 1
            ).select_related("period")
        }
        for index, report in sorted(reports.items()):
            if not target.reported_in(report.period.quarter, report.period.year):
                continue
            a, b = draws[2 * (index - 1)], draws[2 * (index - 1) + 1]
            progress = index / (len(periods) - 1)
            if target.is_count:
                per_quarter = float(target.value) / len(periods)
                entries.append(
                    Entry(report=report, target=target, value=round(per_quarter * (0.6 + 0.8 * a)))
                )
            elif target.is_ratio:
                denominator = 91 if unit.code == "buu-dien" else 300 + round(200 * a)
                share = min(1.0, 0.35 + 0.6 * progress + 0.05 * b)
                entries.append(
                    Entry(
                        report=report,
                        target=target,
                        numerator=round(denominator * share),
                        denominator=denominator,
                    )
                )
            else:
                done = report.period.year > 2021 or (
                    report.period.year == 2021 and report.period.quarter == 4
                )
                entries.append(
                    Entry(
                        report=report, target=target, done=done, done_on=date(2021, 11, 20) if done else None
                    )
                )
    if entries:
        for entry in entries:
            entry._history_user = clerks.get(entry.report.unit_id)
        bulk_create_with_history(entries, Entry, batch_size=500, default_change_reason="Dữ liệu mẫu")
        summary.add("entries", len(entries))
    code, title, measure, value, unit_label, serves, reason = PENDING_PROPOSAL
    unit = Unit.objects.get(code=code)
    if proposer[code] and not TargetProposal.objects.filter(unit=unit, title=title).exists():
        target_propose(
            unit=unit,
            user=proposer[code],
            data=ProposalInput(
                title=title,
                measure=measure,
                value=Decimal(value),
                unit_label=unit_label,
                serves=provincial[serves],
                reason=reason,
            ),
        )
        summary.add("pending proposals", 1)


# --- Plans and study sessions ----------------------------------------------------------------------

PLAN_SIGNERS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]
NO_PLAN = {"buu-dien"}  # buudien can show registering a plan


def _demo_pdf(title: str) -> bytes:
    """A one-page PDF saying it stands in for a real plan (ASCII text: the demo needs no font)."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 14 Tf 60 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _plans_and_study(
    resolution: Resolution, units: list[Unit], members: dict[int, int], clerks, summary: DemoSummary
) -> None:
    """Most units issued their plan (some late, some not yet) and studied the resolution in 2020."""
    from django.core.files.base import ContentFile

    from resolutions.models import PlanDocument, StudySession

    rng = random.Random(SEED + 5)
    congress = resolution.congress
    have_plan = set(PlanDocument.objects.filter(resolution=resolution).values_list("unit_id", flat=True))
    have_sessions = set(StudySession.objects.filter(resolution=resolution).values_list("unit_id", flat=True))
    new_sessions = []
    for number, unit in enumerate(units, start=1):
        issued = rng.random() < 0.82 and unit.code not in NO_PLAN
        late = rng.random() < 0.15
        day = congress.held_to + timedelta(days=rng.randint(70, 110) if late else rng.randint(12, 55))
        signer = rng.choice(PLAN_SIGNERS)
        coverage = 1.0 if unit.code == "kcn-nam-tan-uyen" else rng.uniform(0.86, 1.0)
        studied_any = rng.random() < 0.95 or unit.code == "kcn-nam-tan-uyen"
        early_share, day1, day2 = rng.uniform(0.7, 0.9), rng.randint(3, 28), rng.randint(1, 28)
        extra1, extra2, reached = rng.random(), rng.random(), rng.random()
        if issued and unit.pk not in have_plan:
            plan = PlanDocument(
                unit=unit,
                resolution=resolution,
                number=f"{number:02d}-KH/ĐU",
                issued_on=day,
                signer=signer,
                kind="pdf",
                file_name=f"ke-hoach-{unit.code}.pdf",
                registered_by=clerks.get(unit.pk),
            )
            plan._history_user = clerks.get(unit.pk)
            content = _demo_pdf(f"Ke hoach trien khai Nghi quyet - {unit.code} (du lieu mau)")
            plan.size = len(content)
            plan.file.save(plan.file_name, ContentFile(content), save=False)
            plan.save()
            summary.add("plans", 1)
        if studied_any and unit.pk not in have_sessions:
            total = members[unit.pk]
            first = round(total * coverage)
            early = round(first * early_share)
            for held_on, form, first_time, extra in (
                (date(2020, 8, day1), StudySession.Form.CONFERENCE, early, extra1),
                (date(2020, 10, day2), StudySession.Form.CELL_MEETING, first - early, extra2),
            ):
                new_sessions.append(
                    StudySession(
                        unit=unit,
                        resolution=resolution,
                        held_on=held_on,
                        form=form,
                        members=total,
                        attending=min(total, first_time + round(extra * total / 10)),
                        first_time=first_time,
                        non_members=round(reached * total * 3),
                        note="Dữ liệu mẫu",
                        recorded_by=clerks.get(unit.pk),
                    )
                )
    StudySession.objects.bulk_create(new_sessions)
    summary.add("study sessions", len(new_sessions))


# --- Logins -----------------------------------------------------------------------

OFFICE_GROUP = "Văn phòng Đảng ủy khối"


def _office_group() -> Group:
    group, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    # Viewing accounts lets the office pick another person when giving a role (the admin's
    # autocomplete); creating accounts and resetting passwords stays with a superuser.
    group.permissions.set(
        Permission.objects.filter(content_type__app_label__in=["units", "resolutions", "targets"])
        | Permission.objects.filter(content_type__app_label="auth", codename="view_user")
    )
    return group


def _logins(summary: DemoSummary) -> None:
    user_model = get_user_model()
    group = _office_group()
    for username, full_name, role, unit_code in DEMO_USERS:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=full_name,  # Vietnamese names read whole, family name first
                email=f"{username}@demo.local",
                is_staff=role == Membership.Role.BLOC_OFFICE,
            )
            if role == Membership.Role.BLOC_OFFICE:
                user.groups.add(group)
            summary.add("logins", 1)
        _, made = Membership.objects.get_or_create(
            user=user, unit=Unit.objects.get(code=unit_code), role=role
        )
        summary.add("roles", made)
        summary.logins.append((username, DEMO_PASSWORD, str(Membership.Role(role).label)))


def _unit_clerks(units: list[Unit], summary: DemoSummary) -> dict:
    """Who enters each grassroots organisation's reports, plans and study sessions in the demo.

    Its demo login where it has one (namtanuyen, buudien, soxaydung); else a clerk
    account of its own ("canbo.<unit code>", Cán bộ đảng vụ) with no password, so
    nobody logs in as it. The office only reviews: nothing a unit sends is the office's.
    """
    user_model = get_user_model()
    unit_roles = [Membership.Role.UNIT_SECRETARY, Membership.Role.UNIT_CLERK]
    demo_logins = [username for username, _name, role, _code in DEMO_USERS if role in unit_roles]
    clerks = {}
    for membership in Membership.objects.filter(
        unit__in=units, role__in=unit_roles, user__username__in=demo_logins
    ).select_related("user"):
        clerks.setdefault(membership.unit_id, membership.user)
    wanted = {f"canbo.{u.code}": u for u in units if u.pk not in clerks}
    accounts = {user.username: user for user in user_model.objects.filter(username__in=wanted)}
    new_accounts = [
        user_model(
            username=username,
            first_name=f"Cán bộ đảng vụ – {unit.display_name}",
            password=make_password(None),  # unusable: an admin sends a password link to a real clerk
        )
        for username, unit in wanted.items()
        if username not in accounts
    ]
    user_model.objects.bulk_create(new_accounts)
    summary.add("unit clerks", len(new_accounts))
    accounts = {user.username: user for user in user_model.objects.filter(username__in=wanted)}
    held = set(
        Membership.objects.filter(user__in=accounts.values(), role=Membership.Role.UNIT_CLERK).values_list(
            "user_id", "unit_id"
        )
    )
    new_roles = [
        Membership(user=accounts[username], unit=unit, role=Membership.Role.UNIT_CLERK)
        for username, unit in wanted.items()
        if (accounts[username].pk, unit.pk) not in held
    ]
    Membership.objects.bulk_create(new_roles)
    summary.add("roles", len(new_roles))
    for username, unit in wanted.items():
        clerks[unit.pk] = accounts[username]
    return clerks


@transaction.atomic
def load_demo(*, with_logins: bool = True, today: date | None = None) -> DemoSummary:
    """Load the demo; create what is missing, change nothing that exists."""
    today = today or clock.today()
    summary = DemoSummary()
    bloc, units = _units(summary)
    congress = _congresses(bloc, summary)
    _resolution_obj, targets = _resolution(congress, summary)
    periods = periods_ensure(congress)
    members = _subtree_members()
    quotas = _allocations(targets, units, members, summary)
    if with_logins:
        _logins(summary)
    else:
        summary.logins_skipped = True
    user_model = get_user_model()
    office_user = user_model.objects.filter(username="vanphong").first()
    clerks = _unit_clerks(units, summary)
    _progress(targets, units, periods, quotas, members, office_user, clerks, summary)
    nam_tan_uyen = next(u for u in units if u.code == "kcn-nam-tan-uyen")
    _extension(nam_tan_uyen, periods[-1], office_user, today, summary)
    _unit_targets(congress, periods, office_user, clerks, summary)
    _plans_and_study(congress.resolution, units, members, clerks, summary)
    if summary.created.get("reports") or summary.created.get("unit targets"):
        rollup_full(congress)  # dashboards read roll-ups; rebuilt only when reports were added
    return summary


# --- The April 2024 split (loaddemo --reorganise) ---------------------------------------

# Decisions 1337-QĐ/TU and 1338-QĐ/TU of the Tỉnh ủy, 26/04/2024 (docs/domain.md): the bloc is split
# into an agencies bloc (65 organisations, 4.527 members) and an enterprises bloc (61, 3.510), each with
# an appointed committee for the rest of the 2020–2025 term.
SPLIT_DECISION = Decision(
    number="1337-QĐ/TU",
    signed_on=date(2024, 4, 26),
    issuing_body="Tỉnh ủy Bình Dương",
    effective_on=date(2024, 4, 26),
    note=(
        "Quyết định 1337-QĐ/TU thành lập Đảng bộ Khối các cơ quan tỉnh và Quyết định 1338-QĐ/TU thành lập "
        "Đảng bộ Khối doanh nghiệp tỉnh trên cơ sở chia tách Đảng bộ Khối các cơ quan và doanh nghiệp tỉnh."
    ),
)
AGENCIES_BLOC = NewUnit(
    code="khoi-cq",
    name="Đảng bộ Khối các cơ quan tỉnh Bình Dương",
    kind=Kind.BLOC,
    short_name="Khối các cơ quan",
)
ENTERPRISES_BLOC = NewUnit(
    code="khoi-dn",
    name="Đảng bộ Khối doanh nghiệp tỉnh Bình Dương",
    kind=Kind.BLOC,
    short_name="Khối doanh nghiệp",
)


def split_assignment(units: list[Unit]) -> dict[int, str]:
    """Which successor bloc each grassroots organisation goes to: agencies to the agencies bloc,
    enterprises (state or not) and industrial zones to the enterprises bloc."""
    return {
        u.pk: (AGENCIES_BLOC if u.sector == Sector.STATE_AGENCY else ENTERPRISES_BLOC).code for u in units
    }


@transaction.atomic
def reorganise_demo(*, with_logins: bool = True) -> DemoSummary:
    """Apply the April 2024 split to a loaded demo, through the one write path
    (targets.services.reorganisation), then redistribute the bloc's quotas to the two successor blocs
    (the sums of their organisations' quotas: they add up) and give the demo's office and standing
    committee the same roles over both (the appointed committees). Idempotent: once the bloc has
    ended, nothing changes."""
    from targets.services import reorganisation
    from targets.services.quotas import quota_lines, quotas_redistribute

    summary = DemoSummary()
    bloc = Unit.objects.filter(code="duk").first()
    if bloc is None:
        raise Refused("Chưa nạp dữ liệu mẫu: chạy “manage.py loaddemo” trước.")
    office = get_user_model().objects.filter(username="vanphong").first()
    if bloc.active_to is None:
        units = list(Unit.objects.filter(path__startswith=bloc.path, depth=bloc.depth + 1))
        event = reorganisation.split(
            unit=bloc,
            parts=[AGENCIES_BLOC, ENTERPRISES_BLOC],
            children=split_assignment(units),
            decision=SPLIT_DECISION,
            user=office,
        )
        Unit.objects.filter(code__in=[AGENCIES_BLOC.code, ENTERPRISES_BLOC.code]).update(
            has_standing_committee=True
        )
        summary.add("events", 1)
        summary.add("units", 2)
        lines = quota_lines(event)
        values = {(line.target.pk, code): value for line in lines for code, value in line.after.items()}
        quotas_redistribute(event=event, values=values, reason="", user=office)
        summary.add("quota redistributions", len(lines))
    if with_logins:
        for username, _name, role, unit_code in DEMO_USERS:
            if unit_code != "duk":
                continue
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                continue
            for code in (AGENCIES_BLOC.code, ENTERPRISES_BLOC.code):
                _, made = Membership.objects.get_or_create(
                    user=user, unit=Unit.objects.get(code=code), role=role
                )
                summary.add("roles", made)
    return summary


def successor_blocs_members() -> dict[str, tuple[int, int]]:
    """(organisations, members) of each successor bloc, for the command's summary."""
    out = {}
    for spec in (AGENCIES_BLOC, ENTERPRISES_BLOC):
        unit = Unit.objects.filter(code=spec.code).first()
        if unit is not None:
            below = Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).count()
            out[spec.code] = (below, sum(unit.subtree().values_list("members", flat=True)))
    return out

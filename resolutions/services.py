"""Writes for plans and study sessions: checked, atomic, nothing half-stored."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config import clock
from config.refusals import FieldError, Refused
from config.uploads import UploadRefused, check_upload
from resolutions.models import PlanDocument, Resolution, StudySession
from targets import ledger
from units.access import Action, can
from units.models import Unit

PLAN_KINDS = {"pdf", "docx"}
PLAN_NUMBER = re.compile(PlanDocument.NUMBER_PATTERN)


def normalise_plan_number(number: str) -> str:
    """ " 09 - kh/đu " → "09-KH/ĐU"."""
    return re.sub(r"\s+", "", number or "").upper()


@transaction.atomic
def plan_register(
    *, unit: Unit, resolution: Resolution, user, number: str, issued_on: date | None, signer: str, upload
) -> PlanDocument:
    """Register (or replace) the plan a unit issued; a refused file leaves nothing stored."""
    if not can(user, unit, Action.ENTER):
        raise Refused(_("Chỉ cán bộ của đơn vị được đăng ký kế hoạch của đơn vị."))
    errors: dict[str, str] = {}
    number = normalise_plan_number(number)
    if not PLAN_NUMBER.match(number):
        errors["number"] = _("Số và ký hiệu phải có dạng “09-KH/ĐU” (số, “-KH/”, ký hiệu cơ quan ban hành).")
    today = clock.today()
    if issued_on is None:
        errors["issued_on"] = _("Cần nhập ngày ban hành.")
    elif issued_on > today:
        errors["issued_on"] = _("Ngày ban hành không được sau hôm nay.")
    elif issued_on < resolution.congress.held_to:
        errors["issued_on"] = _("Ngày ban hành không được trước ngày bế mạc Đại hội (%(day)s).") % {
            "day": resolution.congress.held_to.strftime("%d/%m/%Y")
        }
    if not (signer or "").strip():
        errors["signer"] = _("Cần ghi người ký.")
    try:
        checked = check_upload(upload, allowed=PLAN_KINDS, max_bytes=settings.PLAN_MAX_MB * 1_048_576)
    except UploadRefused as exc:
        errors["file"] = exc.message
    if errors:
        raise Refused(_("Chưa lưu: xem các lỗi bên dưới."), [FieldError(f, m) for f, m in errors.items()])
    # Registrations for one unit wait for each other on its row: two at once (a double click, two
    # tabs) make one plan, the later replacing the earlier, never a refusal of the unique constraint.
    list(Unit.objects.select_for_update(no_key=True).filter(pk=unit.pk).values_list("pk", flat=True))
    plan = PlanDocument.objects.select_for_update().filter(unit=unit, resolution=resolution).first()
    old_file = plan.file.name if plan and plan.file else None
    plan = plan or PlanDocument(unit=unit, resolution=resolution)
    plan.number, plan.issued_on, plan.signer = number, issued_on, signer.strip()
    plan.kind, plan.size, plan.file_name = checked.kind, checked.size, checked.name[:255]
    plan.registered_by = user
    plan._history_user = user
    plan.file.save(checked.name, upload, save=False)
    try:
        plan.save()
    except Exception:
        plan.file.delete(save=False)
        raise
    if old_file and old_file != plan.file.name:
        storage = plan.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return plan


@dataclass
class SessionInput:
    held_on: date | None
    form: str
    attending: int | None
    first_time: int | None
    non_members: int | None = 0
    note: str = ""


def unit_members(unit: Unit) -> int:
    return unit.subtree().aggregate(s=Sum("members"))["s"] or 0


def _first_time_overflow(unit: Unit, resolution: Resolution, first_time: int) -> str | None:
    """Members studying for the first time never add up to more than the members, in this unit or
    in any unit above it (a session recorded higher up may already count this unit's members)."""
    chain = unit.ancestor_paths()
    for path in reversed(chain):
        members = Unit.objects.filter(path__startswith=path).aggregate(s=Sum("members"))["s"] or 0
        earlier = (
            StudySession.objects.filter(unit__path__startswith=path, resolution=resolution).aggregate(
                s=Sum("first_time")
            )["s"]
            or 0
        )
        if earlier + first_time > members:
            return _(
                "Tổng số đảng viên đã học tập lần đầu (%(total)s) sẽ vượt số đảng viên của đơn vị (%(m)s)."
            ) % {"total": earlier + first_time, "m": members}
    return None


# The same session sent again within this time by the same person is a double click, not a new session.
DOUBLE_SEND = timedelta(minutes=10)


@transaction.atomic
def study_session_add(*, unit: Unit, resolution: Resolution, user, data: SessionInput) -> StudySession:
    """Record a study session; more first-timers than members in all is refused.

    The same session sent again by the same person within DOUBLE_SEND (a double
    click, a second tab) is not recorded twice: AlreadyDone says when it was.
    Recordings for one unit are serialised on its row, so the check holds for
    two requests at once.
    """
    from targets.services.reports import AlreadyDone

    if not can(user, unit, Action.ENTER):
        raise Refused(_("Chỉ cán bộ của đơn vị được ghi nhận buổi học tập của đơn vị."))
    # Not FOR UPDATE: an approval checking its key to the unit (FOR KEY SHARE) is not held up.
    list(Unit.objects.select_for_update(no_key=True).filter(pk=unit.pk).values_list("pk", flat=True))
    # What is recorded, as stored; the same sent again by the same person is the double click.
    session_fields = {
        "unit": unit,
        "resolution": resolution,
        "held_on": data.held_on,
        "form": data.form,
        "attending": data.attending,
        "first_time": data.first_time,
        "non_members": data.non_members or 0,
        "note": (data.note or "").strip()[:500],
        "recorded_by": user if getattr(user, "pk", None) else None,
    }
    same = (
        StudySession.objects.filter(**session_fields, recorded_at__gte=clock.now() - DOUBLE_SEND)
        .order_by("-recorded_at")
        .first()
    )
    if same is not None:
        raise AlreadyDone(
            _("Buổi học tập này đã được ghi nhận lúc %(at)s; không ghi thêm lần nữa.")
            % {"at": timezone.localtime(same.recorded_at).strftime("%H:%M %d/%m/%Y")}
        )
    members = unit_members(unit)
    errors: dict[str, str] = {}
    today = clock.today()
    congress = resolution.congress
    if data.held_on is None:
        errors["held_on"] = _("Cần nhập ngày tổ chức.")
    elif data.held_on > today:
        errors["held_on"] = _("Ngày tổ chức không được sau hôm nay.")
    elif data.held_on < congress.held_from:
        errors["held_on"] = _("Ngày tổ chức không được trước Đại hội (%(day)s).") % {
            "day": congress.held_from.strftime("%d/%m/%Y")
        }
    if data.form not in StudySession.Form.values:
        errors["form"] = _("Hình thức không hợp lệ.")
    if data.attending is None:
        errors["attending"] = _("Cần nhập số đảng viên tham dự.")
    elif data.attending > members:
        errors["attending"] = _("Số tham dự (%(n)s) lớn hơn số đảng viên của đơn vị (%(m)s).") % {
            "n": data.attending,
            "m": members,
        }
    if data.first_time is None:
        errors["first_time"] = _("Cần nhập số đảng viên học tập lần đầu.")
    elif data.attending is not None and data.first_time > data.attending:
        errors["first_time"] = _("Số học tập lần đầu không được lớn hơn số tham dự.")
    else:
        overflow = _first_time_overflow(unit, resolution, data.first_time)
        if overflow:
            errors["first_time"] = overflow
    if errors:
        raise Refused(_("Chưa lưu: xem các lỗi bên dưới."), [FieldError(f, m) for f, m in errors.items()])
    session = StudySession.objects.create(**session_fields, members=members)
    # The study figures above the unit owe it, in the same transaction (targets.ledger).
    ledger.record_study(session, user=user)
    return session

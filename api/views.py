"""The API's endpoints: thin, like the screens' views.

Every endpoint finds its unit through units.access (`unit_or_404`, `check`,
`units_for`) exactly as the screens do: a unit the caller may not see answers
404, one they see but may not change 403. Figures come from targets.dashboard
and targets.ledger; writes go through targets.services.reports, whose
refusals become 400 with the screens' words (api.errors).
"""

import re
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from config import clock
from config.parsing import ParseError, parse_day
from resolutions.models import Congress, Resolution
from resolutions.terms import congress_for
from targets import ledger
from targets.dashboard import completeness, target_lines
from targets.entries import EntryInput, input_fields, targets_for, unit_scope_targets
from targets.history import report_timeline
from targets.models import Allocation, Period, ProgressReport, Target
from targets.periods import parse_period_slug, period_for
from targets.services.reports import (  # _conflict: the one account of what changed since a version
    AlreadyDone,
    ReportConflict,
    _conflict,
    report_approve,
    report_return,
    report_save,
    report_submit,
)
from targets.views._common import latest_period, report_of
from targets.workflow import window_for
from units.access import Action, check, home_units, unit_or_404, units_for
from units.models import Unit
from units.placements import children_in, parent_in, spans_of

Status = ProgressReport.Status
# The figures' fields (what a target uses depends on its measure); the note and the unit's confidence
# apply to every target and are handled apart.
ENTRY_FIELDS = [
    name
    for name in EntryInput.__dataclass_fields__
    if name not in ("note", "confidence", "confidence_reason")
]

# --- Parameters ------------------------------------------------------------------------------------


def _param(name, kind=str, example=None, **kwargs) -> OpenApiParameter:
    """A query parameter (or a path/header one); `example` is also what generated requests try first."""
    examples = [OpenApiExample(name, value=example)] if example is not None else None
    return OpenApiParameter(name, kind, examples=examples, **kwargs)


UNDER = _param("under", example="duk", description=_l("Chỉ các đơn vị thuộc đơn vị có mã này (kể cả nó)."))
ON = _param("on", OpenApiTypes.DATE, description=_l("Cây tổ chức tại ngày này (mặc định: hôm nay)."))
QUARTER = _param("quarter", example="2025-q2", description=_l("Quý, dạng 2025-q2."))
AS_OF = _param(
    "as_of",
    example="2025-q2",
    description=_l("Số liệu đến hết quý này, dạng 2025-q2 (mặc định: quý gần nhất)."),
)
TARGET = _param("target", example="CT06", description=_l("Mã chỉ tiêu, ví dụ CT06."))
CONGRESS = _param("congress", int, description=_l("Mã số đại hội."))
YEAR = _param("year", int, description=_l("Năm (chỉ tiêu giao theo năm)."))
STATUS = _param("status", enum=[c for c, _label in Status.choices], description=_l("Trạng thái báo cáo."))
IF_MATCH = _param(
    "If-Match",
    example='"v0"',
    location=OpenApiParameter.HEADER,
    required=True,
    description=_l('ETag của báo cáo vừa đọc, dạng "v3" ("v0" khi chưa có báo cáo).'),
)
PERIOD_PATH = _param(
    "period", location=OpenApiParameter.PATH, example="2025-q2", description=_l("Quý, dạng 2025-q2.")
)
CODE_PATH = _param(
    "code", location=OpenApiParameter.PATH, example="kcn-nam-tan-uyen", description=_l("Mã đơn vị.")
)

ERROR = s.ErrorSerializer
CONFLICT = OpenApiResponse(
    s.ConflictSerializer, description=_l("Báo cáo đã đổi từ phiên bản gửi kèm (If-Match).")
)
PRECONDITION_REQUIRED = OpenApiResponse(ERROR, description=_l("Thiếu tiêu đề If-Match."))


def _day(request, name: str = "on") -> date:
    raw = request.query_params.get(name)
    if raw is None:
        return clock.today()
    try:
        day = parse_day(raw)
    except ParseError as exc:
        raise ValidationError({name: [str(exc)]}) from None
    return day or clock.today()


def _int(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise ValidationError({name: [_("phải là số nguyên không âm")]})
    return int(raw)


def _text(request, name: str) -> str | None:
    """A text filter as sent; refused when it holds a NUL character (no database stores one)."""
    raw = request.query_params.get(name)
    if raw and "\x00" in raw:
        raise ValidationError({name: [_("Không được chứa ký tự NUL.")]})
    return raw or None


def _visible_unit(request, name: str = "under") -> Unit | None:
    """The unit named by a filter, if the caller sees it; 404 otherwise, as for a URL."""
    code = _text(request, name)
    return unit_or_404(request.user, code) if code else None


def _quarter_slug(request, name: str = "quarter") -> tuple[int, int] | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    parsed = parse_period_slug(raw)
    if parsed is None:
        raise ValidationError({name: [_("Quý phải có dạng 2025-q2.")]})
    return parsed


def _parents_on(units: list[Unit], day: date) -> dict[int, str | None]:
    """Each unit's parent code on that day (units.placements)."""
    spans = spans_of(units)
    parent_ids = {u.pk: parent_in(u, spans[u.pk], day, day) for u in units}
    codes = dict(Unit.objects.filter(pk__in={p for p in parent_ids.values() if p}).values_list("pk", "code"))
    return {pk: codes.get(p) if p else None for pk, p in parent_ids.items()}


def _unit_data(unit: Unit, parent: str | None) -> dict:
    data = {name: getattr(unit, name) for name in s.UnitSerializer.Meta.fields if name != "parent"}
    return {**data, "parent": parent}


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def not_found(request):
    raise Http404("no such address")


# --- Units ----------------------------------------------------------------------------------------------


class UnitList(generics.ListAPIView):
    serializer_class = s.UnitSerializer

    @extend_schema(
        summary=_l("Cây tổ chức"),
        description=_l(
            "Các đơn vị anh/chị được xem, đang hoạt động vào ngày `on`, với đơn vị cấp trên vào ngày đó."
        ),
        parameters=[UNDER, ON],
        tags=["Đơn vị"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.day = _day(self.request)
        under = _visible_unit(self.request)
        day = self.day
        units = units_for(self.request.user).filter(
            Q(active_from__isnull=True) | Q(active_from__lte=day),
            Q(active_to__isnull=True) | Q(active_to__gte=day),
        )
        if under is not None:
            units = units.filter(path__startswith=under.path)
        return units.order_by("path")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        parents = _parents_on(page, self.day)
        return self.get_paginated_response(
            self.get_serializer([_unit_data(u, parents[u.pk]) for u in page], many=True).data
        )


class UnitDetail(APIView):
    @extend_schema(
        summary=_l("Một đơn vị và các đơn vị trực thuộc"),
        parameters=[CODE_PATH, ON],
        responses={200: s.UnitDetailSerializer},
        tags=["Đơn vị"],
    )
    def get(self, request, code):
        unit = unit_or_404(request.user, code)
        day = _day(request)
        children = [c for c in children_in(unit, day, day) if c.is_active_between(day, day)]
        parent = _parents_on([unit], day)[unit.pk]
        data = _unit_data(unit, parent)
        data["on"] = day
        data["children"] = [_unit_data(c, unit.code) for c in children]
        return Response(s.UnitDetailSerializer(data).data)


# --- Congresses, resolutions, targets, quotas -----------------------------------------------------------


def _visible_congresses(user):
    """The congresses of the units the caller sees and of the units above them (a unit reports on the
    resolution of the congress above it), and those outside the tree (provincial, national)."""
    above = {path for unit in home_units(user) for path in unit.ancestor_paths()}
    return Congress.objects.filter(
        Q(unit__isnull=True) | Q(unit__in=units_for(user)) | Q(unit__path__in=above)
    ).order_by("held_from", "pk")


class CongressList(generics.ListAPIView):
    serializer_class = s.CongressSerializer

    @extend_schema(summary=_l("Đại hội"), tags=["Nghị quyết"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return _visible_congresses(self.request.user).select_related("unit")


class CongressDetail(generics.RetrieveAPIView):
    serializer_class = s.CongressSerializer

    @extend_schema(summary=_l("Một đại hội"), tags=["Nghị quyết"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return _visible_congresses(self.request.user).select_related("unit")


class ResolutionList(generics.ListAPIView):
    serializer_class = s.ResolutionSerializer

    @extend_schema(summary=_l("Nghị quyết và chương trình hành động"), tags=["Nghị quyết"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return (
            Resolution.objects.filter(congress__in=_visible_congresses(self.request.user))
            .prefetch_related("programmes")
            .order_by("pk")
        )


class ResolutionDetail(generics.RetrieveAPIView):
    serializer_class = s.ResolutionSerializer

    @extend_schema(summary=_l("Một nghị quyết"), tags=["Nghị quyết"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Resolution.objects.filter(
            congress__in=_visible_congresses(self.request.user)
        ).prefetch_related("programmes")


def _visible_targets(user):
    """The resolutions' targets, and the own targets of the units the caller sees and of those above."""
    above = {path for unit in home_units(user) for path in unit.ancestor_paths()}
    return (
        Target.objects.filter(resolution__congress__in=_visible_congresses(user))
        .filter(
            Q(owner_unit__isnull=True) | Q(owner_unit__in=units_for(user)) | Q(owner_unit__path__in=above)
        )
        .select_related("parent", "owner_unit", "programme", "resolution")
        .order_by("resolution_id", "position", "code")
    )


class TargetList(generics.ListAPIView):
    serializer_class = s.TargetSerializer

    @extend_schema(summary=_l("Chỉ tiêu"), parameters=[CONGRESS, TARGET], tags=["Nghị quyết"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        targets = _visible_targets(self.request.user)
        congress = _int(self.request, "congress")
        if congress is not None:
            targets = targets.filter(resolution__congress_id=congress)
        if _text(self.request, "target"):
            targets = targets.filter(code=self.request.query_params["target"])
        return targets


class TargetDetail(generics.RetrieveAPIView):
    serializer_class = s.TargetSerializer

    @extend_schema(summary=_l("Một chỉ tiêu"), tags=["Nghị quyết"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return _visible_targets(self.request.user)


class QuotaList(generics.ListAPIView):
    serializer_class = s.QuotaSerializer

    @extend_schema(
        summary=_l("Chỉ tiêu giao đơn vị"),
        description=_l("Cả nhiệm kỳ (year trống) hoặc từng năm."),
        parameters=[UNDER, TARGET, YEAR],
        tags=["Nghị quyết"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        quotas = Allocation.objects.filter(unit__in=units_for(self.request.user)).select_related(
            "unit", "target"
        )
        under = _visible_unit(self.request)
        if under is not None:
            quotas = quotas.filter(unit__path__startswith=under.path)
        if _text(self.request, "target"):
            quotas = quotas.filter(target__code=self.request.query_params["target"])
        year = _int(self.request, "year")
        if year is not None:
            quotas = quotas.filter(year=year)
        return quotas.order_by("target__position", "target__code", "unit__path", "year")


# --- Figures and completeness ----------------------------------------------------------------------------


def _unit_as_of(request, code: str, name: str) -> tuple[Unit, Period]:
    """The unit and the quarter asked for in ?<name>= (else the latest begun), as the dashboard finds
    them: a unit the caller saw in that quarter's tree may be read for it."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404("no such unit")
    raw = request.query_params.get(name)
    if raw:
        if parse_period_slug(raw) is None:
            raise ValidationError({name: [_("Quý phải có dạng 2025-q2.")]})
        period = period_for(unit, raw)
    else:
        congress = congress_for(unit)
        period = latest_period(congress) if congress else None
    if period is None:
        # Said only to those who see the unit: 404 either way, as for a URL.
        raise Http404("no such quarter")
    return check(request.user, unit, Action.VIEW, quarter=period), period


class Figures(APIView):
    @extend_schema(
        summary=_l("Số liệu của đơn vị theo chỉ tiêu"),
        description=_l(
            "Như trang tổng quan: đã đạt, phải đạt đến quý, tình trạng hoặc kết luận, dự báo, "
            "và số liệu đã tổng hợp đến lần duyệt nào (freshness). Chỉ tính báo cáo đã duyệt."
        ),
        parameters=[CODE_PATH, AS_OF, TARGET],
        responses={200: s.FiguresSerializer},
        tags=["Số liệu"],
    )
    def get(self, request, code):
        unit, as_of = _unit_as_of(request, code, "as_of")
        periods = list(Period.objects.filter(congress=as_of.congress).order_by("index"))
        targets = unit_scope_targets(unit, as_of.congress)
        wanted = _text(request, "target")
        if wanted:
            targets = [t for t in targets if t.code == wanted]
        lines = target_lines(unit, targets, periods, as_of, as_of.congress.unit_id, charts=False)
        fresh = ledger.freshness(unit, as_of.congress)
        data = {
            "unit": unit.code,
            "as_of": as_of.slug,
            "as_of_label": as_of.label,
            "freshness": {
                "settled": fresh.settled,
                "pending": fresh.pending,
                "pending_approvals": fresh.pending_approvals,
                "oldest_pending": fresh.oldest_pending,
                "settled_until": fresh.settled_until,
                "live": fresh.live,
                "sentence": fresh.sentence(),
            },
            "figures": [_figure(line) for line in lines],
        }
        return Response(s.FiguresSerializer(data).data)


def _figure(line) -> dict:
    a, point = line.assessment, line.current
    return {
        "target": line.target.code,
        "title": line.target.short_title or line.target.title,
        "measure": line.target.measure,
        "goal": line.goal.value,
        "value": point.value,
        "achieved": a.actual,
        "numerator": point.numerator,
        "denominator": point.denominator,
        "percent": a.percent,
        "expected": a.expected,
        "forecast": a.forecast,
        "needed_per_quarter": a.needed_per_quarter,
        "state": str(a.state),
        "state_label": str(a.label),
        "is_verdict": a.is_verdict,
        "provisional": a.provisional,
        "shortfall": str(line.shortfall or ""),
        "reporting": point.reporting,
        "carried": point.carried,
        "figure_quarter": line.as_of_period.slug if line.as_of_period else None,
    }


class Completeness(APIView):
    @extend_schema(
        summary=_l("Tình hình báo cáo của một quý"),
        description=_l(
            "Số tổ chức cơ sở đảng phải báo cáo, đã báo cáo đúng hạn, trễ hạn, chờ duyệt, còn thiếu."
        ),
        parameters=[CODE_PATH, QUARTER],
        responses={200: s.CompletenessSerializer},
        tags=["Số liệu"],
    )
    def get(self, request, code):
        unit, period = _unit_as_of(request, code, "quarter")
        c = completeness(unit, period)
        data = {
            "unit": unit.code,
            "quarter": period.slug,
            "expected": c.expected,
            "on_time": c.on_time,
            "late": c.late,
            "pending": c.pending,
            "reported": c.reported,
            "missing_total": c.missing_total,
            "missing": [u.code for u in c.missing],
        }
        return Response(s.CompletenessSerializer(data).data)


# --- Reports: reading ------------------------------------------------------------------------------------


class ReportList(generics.ListAPIView):
    serializer_class = s.ReportListItemSerializer

    @extend_schema(
        summary=_l("Báo cáo quý"),
        description=_l(
            "Báo cáo của các đơn vị anh/chị được xem, lọc theo đơn vị (cả cấp dưới), quý, trạng thái, chỉ tiêu."
        ),
        parameters=[UNDER, QUARTER, STATUS, TARGET],
        tags=["Báo cáo"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        reports = ProgressReport.objects.filter(unit__in=units_for(self.request.user))
        under = _visible_unit(self.request)
        if under is not None:
            reports = reports.filter(unit__path__startswith=under.path)
        quarter = _quarter_slug(self.request)
        if quarter is not None:
            reports = reports.filter(period__year=quarter[0], period__quarter=quarter[1])
        if params.get("status"):
            if params["status"] not in Status.values:
                raise ValidationError({"status": [_("Trạng thái không hợp lệ.")]})
            reports = reports.filter(status=params["status"])
        if _text(self.request, "target"):
            reports = reports.filter(entries__target__code=params["target"]).distinct()
        return reports.select_related("unit", "period").order_by("period__starts_on", "unit__path", "pk")


def _report_and_period(request, code: str, quarter: str, action: Action = Action.VIEW) -> tuple[Unit, Period]:
    """As targets.views._common.unit_and_period, for the API's request."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404("no such unit")
    period = period_for(unit, quarter)
    if period is None:
        raise Http404("no such quarter")
    return check(request.user, unit, action, quarter=period), period


def etag(version: int) -> str:
    return f'"v{version}"'


def _report_data(unit: Unit, period: Period, report: ProgressReport | None) -> dict:
    targets = {t.pk: t for t in targets_for(unit, period)}
    entries = []
    if report is not None:
        for entry in report.entries.select_related("target").order_by("target__position", "target__code"):
            target = entry.target
            fields = input_fields(target) if target.pk in targets else ENTRY_FIELDS
            entries.append(
                {
                    "target": target.code,
                    "note": entry.note,
                    "confidence": entry.confidence,
                    "confidence_reason": entry.confidence_reason,
                    **{name: getattr(entry, name) for name in fields},
                }
            )
    return {
        "unit": unit.code,
        "quarter": period.slug,
        "status": report.status if report else None,
        "version": report.version if report else 0,
        "late": report.late if report else False,
        "submitted_at": report.submitted_at if report else None,
        "reviewed_at": report.reviewed_at if report else None,
        "review_comment": report.review_comment if report else "",
        "deadline": window_for(unit, period).effective,
        "entries": entries,
        "narrative": {
            name: getattr(report, name) if report else "" for name in ProgressReport.NARRATIVE_FIELDS
        },
    }


def _report_response(unit, period, *, message: str | None = None, code: int = status.HTTP_200_OK) -> Response:
    report = report_of(unit, period)
    data = _report_data(unit, period, report)
    if message is not None:
        data["message"] = message
        body = s.ReportWriteResultSerializer(data).data
    else:
        body = s.ReportSerializer(data).data
    response = Response(body, status=code)
    response["ETag"] = etag(data["version"])
    return response


class ReportDetail(APIView):
    @extend_schema(
        summary=_l("Một báo cáo quý"),
        description=_l("Trạng thái và số liệu; tiêu đề ETag là phiên bản, gửi lại trong If-Match khi ghi."),
        parameters=[CODE_PATH, PERIOD_PATH],
        responses={200: s.ReportSerializer},
        tags=["Báo cáo"],
    )
    def get(self, request, code, period):
        unit, period = _report_and_period(request, code, period)
        return _report_response(unit, period)


class ReportHistory(APIView):
    @extend_schema(
        summary=_l("Lịch sử của một báo cáo"),
        description=_l("Mới nhất trước: ai, lúc nào, làm gì, số liệu đổi từ đâu sang đâu."),
        parameters=[CODE_PATH, PERIOD_PATH],
        responses={200: s.HistoryEventSerializer(many=True)},
        tags=["Báo cáo"],
    )
    def get(self, request, code, period):
        unit, period = _report_and_period(request, code, period)
        report = report_of(unit, period)
        if report is None:
            return Response([])
        events = report_timeline(report, targets_for(unit, period))
        data = [
            {
                "at": e.at,
                "who": e.who,
                "what": e.what,
                "status": e.status,
                "changes": [{"target": t, "field": f, "old": o, "new": n} for t, f, o, n in e.changes],
            }
            for e in events
        ]
        return Response(s.HistoryEventSerializer(data, many=True).data)


# --- Reports: writing ------------------------------------------------------------------------------------

ETAG = re.compile(r'\s*(?:W/)?"v([0-9]{1,9})"\s*')


class PreconditionRequired(Exception):
    pass


def _expected_version(request) -> int | None:
    """The version named by If-Match; None when it names none we could have given (never matches)."""
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        raise PreconditionRequired
    match = ETAG.fullmatch(raw)
    return int(match[1]) if match else None


def _precondition_required() -> Response:
    return Response(
        {
            "detail": _(
                "Cần gửi tiêu đề If-Match với ETag của báo cáo vừa đọc (GET báo cáo), để không ghi đè "
                "thay đổi của người khác."
            ),
            "errors": {},
        },
        status=status.HTTP_428_PRECONDITION_REQUIRED,
    )


def _stale(message: str, version: int, changes=()) -> Response:
    response = Response(
        {
            "detail": message,
            "errors": {},
            "current_version": version,
            "changes": [
                {"target": c.target.code, "field": c.field, "old": _plain(c.old), "new": _plain(c.new)}
                for c in changes
            ],
        },
        status=status.HTTP_412_PRECONDITION_FAILED,
    )
    response["ETag"] = etag(version)
    return response


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


STALE = _l(
    "Báo cáo đã thay đổi từ phiên bản anh/chị gửi kèm (If-Match); chưa thực hiện gì. Hãy đọc lại báo cáo."
)


ENTRIES_EXAMPLE = OpenApiExample(
    "quy-ii-2025",
    summary=_l("Báo cáo Quý II/2025 của Đảng ủy KCN Nam Tân Uyên (dữ liệu mẫu)"),
    request_only=True,
    value={
        "entries": [
            {"target": "CT01", "numerator": 142, "denominator": 142},
            {"target": "CT05", "value": 1},
            {"target": "CT06", "value": 5, "note": "Kết nạp tại 2 chi bộ"},
            {"target": "CT06.1", "value": 2},
            {"target": "CT07", "value": 0},
        ]
    },
)


def _write_schema(summary, description, request, responses_extra=None, examples=None):
    responses = {
        200: s.ReportWriteResultSerializer,
        412: CONFLICT,
        428: PRECONDITION_REQUIRED,
    }
    responses.update(responses_extra or {})
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[CODE_PATH, PERIOD_PATH, IF_MATCH],
        request=request,
        responses=responses,
        examples=examples,
        tags=["Báo cáo"],
    )


def _by_target_code(errors: dict, data) -> dict:
    """Parsing errors of the entries named by their target's code, as the rules name them
    ("entries.CT06.value"), rather than by their place in the list."""
    rows = errors.get("entries")
    sent = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(sent, list):
        return errors
    if isinstance(rows, list):
        rows = dict(enumerate(rows))
    if not isinstance(rows, dict) or not all(isinstance(i, int) for i in rows):
        return errors
    named = {}
    for i, row_errors in rows.items():
        if not row_errors:
            continue
        code = sent[i].get("target") if i < len(sent) and isinstance(sent[i], dict) else None
        named[code if isinstance(code, str) and code else str(i)] = row_errors
    return {**errors, "entries": named}


def _entry_inputs(payload: list[dict], targets: list[Target]) -> dict[int, EntryInput]:
    """The figures sent, one EntryInput per target; fields a target does not use must stay empty."""
    by_code = {t.code: t for t in targets}
    inputs: dict[int, EntryInput] = {}
    errors: dict[str, list[str]] = {}
    for row in payload:
        code = row["target"]
        target = by_code.get(code)
        if target is None:
            errors[f"entries.{code}.target"] = [
                _("Có chỉ tiêu không thuộc báo cáo của đơn vị; không lưu gì.")
            ]
            continue
        if target.pk in inputs:
            errors[f"entries.{code}.target"] = [_("Chỉ tiêu này có hai lần trong danh sách.")]
            continue
        used = input_fields(target)
        for name in ENTRY_FIELDS:
            if name not in used and row.get(name) is not None:
                errors[f"entries.{code}.{name}"] = [_("Chỉ tiêu này không dùng trường này.")]
        values = {name: row.get(name) for name in used}
        inputs[target.pk] = EntryInput(
            **values,
            note=(row.get("note") or "").strip(),
            # Not sent: the stored confidence stays (None), as the Excel upload does.
            confidence=row["confidence"] or "" if "confidence" in row else None,
            confidence_reason=row["confidence_reason"] or "" if "confidence_reason" in row else None,
        )
    if errors:
        raise ValidationError(errors)
    return inputs


class ReportEntries(APIView):
    @_write_schema(
        _l("Lưu số liệu của báo cáo (nháp)"),
        _l(
            "Như nút “Lưu nháp” của màn hình báo cáo quý: cùng quy tắc, cùng lời từ chối. Mỗi chỉ tiêu có trong "
            "danh sách được thay toàn bộ; chỉ tiêu không có giữ nguyên. Cần If-Match."
        ),
        s.EntriesInputSerializer,
        examples=[ENTRIES_EXAMPLE],
    )
    def put(self, request, code, period):
        unit, period = _report_and_period(request, code, period)
        check(request.user, unit, Action.ENTER)
        try:
            expected = _expected_version(request)
        except PreconditionRequired:
            return _precondition_required()
        parsed = s.EntriesInputSerializer(data=request.data)
        if not parsed.is_valid():
            raise ValidationError(_by_target_code(parsed.errors, request.data))
        inputs = _entry_inputs(parsed.validated_data["entries"], targets_for(unit, period))
        report = report_of(unit, period)
        current = report.version if report else 0
        if expected is None or (report is None and expected != 0):
            return _stale(str(STALE), current)
        try:
            report_save(
                unit=unit,
                period=period,
                user=request.user,
                inputs=inputs,
                expected_version=expected,
                narrative=parsed.validated_data.get("narrative"),
            )
        except AlreadyDone as exc:
            return _report_response(unit, period, message=exc.message)
        except ReportConflict as exc:
            return _stale(exc.message, exc.current_version, exc.changes)
        return _report_response(
            unit, period, message=_("Đã lưu nháp báo cáo %(period)s.") % {"period": period.label}
        )


class ReportSubmit(APIView):
    @_write_schema(
        _l("Gửi báo cáo tới Văn phòng"),
        _l("Như nút “Gửi báo cáo”: mọi chỉ tiêu phải có số liệu. Cần If-Match."),
        None,
    )
    def post(self, request, code, period):
        unit, period = _report_and_period(request, code, period)
        check(request.user, unit, Action.ENTER)
        try:
            expected = _expected_version(request)
        except PreconditionRequired:
            return _precondition_required()
        try:
            with transaction.atomic():
                # The report's row is locked before its version is compared: nobody changes it between
                # the comparison and the sending (report_submit locks it again, in the same transaction).
                report = (
                    ProgressReport.objects.select_for_update(of=("self",))
                    .filter(unit=unit, period=period)
                    .order_by("pk")
                    .first()
                )
                current = report.version if report else 0
                if expected != current and not (report and report.status == Status.SUBMITTED):
                    if report is None or expected is None:
                        return _stale(str(STALE), current)
                    # What changed since the version named, in the words of a save's conflict.
                    conflict = _conflict(report, expected, targets_for(unit, period))
                    return _stale(conflict.message, conflict.current_version, conflict.changes)
                report_submit(unit=unit, period=period, user=request.user)
        except AlreadyDone as exc:
            return _report_response(unit, period, message=exc.message)
        return _report_response(
            unit,
            period,
            message=_("Đã gửi báo cáo %(period)s tới Văn phòng Đảng ủy khối.") % {"period": period.label},
        )


class ReportApprove(APIView):
    @_write_schema(
        _l("Duyệt báo cáo"),
        _l(
            "Văn phòng duyệt đúng phiên bản đã đọc (If-Match), như nút “Duyệt”. Người đã gửi hoặc nhập số liệu "
            "không tự duyệt được."
        ),
        s.ApproveSerializer,
    )
    def post(self, request, code, period):
        unit, period = _report_and_period(request, code, period, Action.REVIEW)
        try:
            expected = _expected_version(request)
        except PreconditionRequired:
            return _precondition_required()
        parsed = s.ApproveSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        if expected is None:
            report = report_of(unit, period)
            return _stale(str(STALE), report.version if report else 0)
        try:
            report_approve(
                unit=unit,
                period=period,
                user=request.user,
                expected_version=expected,
                comment=parsed.validated_data.get("comment", ""),
            )
        except AlreadyDone as exc:
            return _report_response(unit, period, message=exc.message)
        except ReportConflict as exc:
            return _stale(exc.message, exc.current_version, exc.changes)
        return _report_response(
            unit, period, message=_("Đã duyệt báo cáo của %(unit)s.") % {"unit": unit.display_name}
        )


class ReportReturn(APIView):
    @_write_schema(
        _l("Trả lại báo cáo cho đơn vị"),
        _l("Văn phòng trả lại đúng phiên bản đã đọc (If-Match), với lý do để đơn vị sửa."),
        s.ReturnSerializer,
    )
    def post(self, request, code, period):
        unit, period = _report_and_period(request, code, period, Action.REVIEW)
        try:
            expected = _expected_version(request)
        except PreconditionRequired:
            return _precondition_required()
        parsed = s.ReturnSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        if expected is None:
            report = report_of(unit, period)
            return _stale(str(STALE), report.version if report else 0)
        try:
            report_return(
                unit=unit,
                period=period,
                user=request.user,
                expected_version=expected,
                comment=parsed.validated_data["comment"],
            )
        except AlreadyDone as exc:
            return _report_response(unit, period, message=exc.message)
        except ReportConflict as exc:
            return _stale(exc.message, exc.current_version, exc.changes)
        return _report_response(
            unit, period, message=_("Đã trả lại báo cáo cho %(unit)s.") % {"unit": unit.display_name}
        )

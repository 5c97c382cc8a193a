"""The next term: the office opens a new congress for a committee (possibly one that continues several),
its resolution copied from the previous term; the previous term stays readable, read-only; users land on
the latest term of the committee their unit belongs to today."""

from datetime import date

import pytest

from config.refusals import Refused
from resolutions.models import Congress
from resolutions.terms import congress_for
from targets.devtools.demo import reorganise_demo
from targets.models import Period, ProgressReport, Target
from targets.periods import period_for
from targets.rollup import settle_pending
from targets.services import reorganisation
from targets.services.reports import report_save
from targets.services.terms import NewTerm, previous_terms, term_start
from targets.workflow import steps_for, window_for
from units.models import Unit
from units.services import Decision, NewUnit

pytestmark = pytest.mark.django_db


def seventh():
    return Congress.objects.get(unit__code="duk", ordinal=7)


def eighth(unit, **extra):
    data = dict(
        unit=unit,
        ordinal=8,
        term_start_year=2025,
        term_end_year=2030,
        held_from=date(2025, 10, 13),
        held_to=date(2025, 10, 15),
        resolution_title="Nghị quyết Đại hội đại biểu lần thứ VIII, nhiệm kỳ 2025–2030",
    )
    data.update(extra)
    return NewTerm(**data)


def test_the_office_starts_the_next_term_from_the_previous_resolution(office_client, vanphong):
    old = seventh()
    form = office_client.get("/terms/")
    assert form.status_code == 200 and "Bắt đầu nhiệm kỳ mới" in form.content.decode()
    response = office_client.post(
        "/terms/",
        {
            "unit": Unit.objects.get(code="duk").pk,
            "ordinal": "8",
            "term_start_year": "2025",
            "term_end_year": "2030",
            "held_from": "2025-10-13",
            "held_to": "2025-10-15",
            "resolution_title": "Nghị quyết Đại hội VIII",
            "copy_from": old.pk,
        },
    )
    assert response.status_code == 302
    new = Congress.objects.get(unit__code="duk", ordinal=8)
    old_targets = Target.objects.filter(resolution__congress=old, owner_unit__isnull=True)
    new_targets = Target.objects.filter(resolution__congress=new, owner_unit__isnull=True)
    assert sorted(new_targets.values_list("code", "value")) == sorted(
        old_targets.values_list("code", "value")
    )
    assert new_targets.get(code="CT06.1").parent == new_targets.get(code="CT06")
    assert new.resolution.programmes.count() == old.resolution.programmes.count()
    assert new.resolution.general_direction == old.resolution.general_direction
    periods = list(Period.objects.filter(congress=new).order_by("index"))
    assert len(periods) == 20 and periods[0].slug == "2025-q4"


def test_users_land_on_the_latest_term_and_the_previous_one_stays_readable_read_only(
    vanphong, office_client, namtanuyen_client, namtanuyen
):
    term_start(spec=eighth(Unit.objects.get(code="duk")), copy_from=seventh(), user=vanphong)
    board = office_client.get("/dashboard/duk/").context["board"]
    assert board.period.congress.ordinal == 8
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    assert congress_for(unit).ordinal == 8
    old = office_client.get("/dashboard/duk/?as_of=2024-q4")
    assert old.status_code == 200 and old.context["board"].period.congress.ordinal == 7
    # Each term's dashboard links to the other: the previous term stays one click away.
    assert 'href="?as_of=2025-q2">Nhiệm kỳ 2020–2025' in office_client.get("/dashboard/duk/").content.decode()
    assert 'href="?as_of=2026-q4">Nhiệm kỳ 2025–2030' in old.content.decode()
    # The open Q2/2025 report of the previous term is now read-only, with a Vietnamese refusal.
    period = period_for(unit, "2025-q2")
    report = ProgressReport.objects.filter(unit=unit, period=period).first()
    window = window_for(unit, period)
    assert window.term_closed and steps_for(namtanuyen, unit, report, window) == set()
    with pytest.raises(Refused, match="nhiệm kỳ mới"):
        report_save(
            unit=unit,
            period=period,
            user=namtanuyen,
            inputs={},
            expected_version=report.version if report else 0,
        )
    assert namtanuyen_client.get("/reports/kcn-nam-tan-uyen/2025-q2/").status_code == 200


def test_a_committee_that_continues_several_starts_from_their_term(vanphong):
    reorganise_demo()
    blocs = list(Unit.objects.filter(code__in=["khoi-cq", "khoi-dn"]).order_by("code"))
    reorganisation.merge(
        units=blocs,
        into=NewUnit("dang-uy-ubnd", "Đảng bộ Ủy ban nhân dân tỉnh", Unit.Kind.BLOC),
        decision=Decision("2025-QĐ/TU", date(2025, 2, 1), "Tỉnh ủy Bình Dương", date(2025, 2, 1)),
        user=vanphong,
    )
    settle_pending()
    committee = Unit.objects.get(code="dang-uy-ubnd")
    assert seventh() in previous_terms(committee)
    term_start(
        spec=eighth(committee, ordinal=1, organisation_name="Đảng bộ UBND tỉnh"),
        copy_from=seventh(),
        user=vanphong,
    )
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    assert congress_for(unit).organisation_name == "Đảng bộ UBND tỉnh"
    # Quarters before its congress are read on the term it continued.
    assert period_for(committee, "2024-q3").congress == seventh()


def test_a_congress_before_the_previous_one_closed_is_refused_in_vietnamese(vanphong):
    with pytest.raises(Refused) as refused:
        term_start(
            spec=eighth(Unit.objects.get(code="duk"), held_from=date(2020, 7, 14), held_to=date(2020, 7, 15)),
            copy_from=None,
            user=vanphong,
        )
    assert "Đại hội mới phải họp sau đại hội" in refused.value.errors[0].message
    assert not Congress.objects.filter(ordinal=8).exists()


def test_only_the_office_opens_a_term(standing_client, namtanuyen_client):
    assert standing_client.get("/terms/").status_code == 404
    assert namtanuyen_client.get("/terms/").status_code == 404

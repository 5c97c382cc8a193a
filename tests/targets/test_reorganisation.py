"""The demo bloc split in two on 26/04/2024, then a unit transferred between the two blocs: totals keep
adding up on the tree of each quarter, and each persona sees exactly what the access rule says."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from targets.models import Period, Rollup, Target
from targets.rollup import settle_pending
from targets.services import reorganisation
from units.models import Membership, Unit
from units.services import Decision, NewUnit

pytestmark = pytest.mark.django_db

SPLIT = Decision("1337-QĐ/TU", date(2024, 4, 26), "Tỉnh ủy Bình Dương", date(2024, 4, 26))
TRANSFER = Decision("1402-QĐ/TU", date(2024, 10, 10), "Tỉnh ủy Bình Dương", date(2024, 10, 10))


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reorganised(vanphong):
    bloc = Unit.objects.get(code="duk")
    children = {
        u.pk: "khoi-cq" if u.sector == Unit.Sector.STATE_AGENCY else "khoi-dn"
        for u in Unit.objects.filter(path__startswith=bloc.path, depth=2)
    }
    reorganisation.split(
        unit=bloc,
        parts=[
            NewUnit("khoi-cq", "Đảng bộ Khối các cơ quan tỉnh", Unit.Kind.BLOC),
            NewUnit("khoi-dn", "Đảng bộ Khối doanh nghiệp tỉnh", Unit.Kind.BLOC),
        ],
        children=children,
        decision=SPLIT,
        user=vanphong,
    )
    post = Unit.objects.get(code="buu-dien")
    source = Unit.objects.get(path=post.parent_path)
    target = Unit.objects.get(code="khoi-dn" if source.code == "khoi-cq" else "khoi-cq")
    reorganisation.transfer(unit=post, new_parent=target, decision=TRANSFER, user=vanphong)
    settle_pending()
    users = get_user_model()
    old, new = users.objects.create_user("vp-old"), users.objects.create_user("vp-new")
    Membership.objects.create(user=old, unit=source, role=Membership.Role.BLOC_OFFICE)
    Membership.objects.create(user=new, unit=target, role=Membership.Role.BLOC_OFFICE)
    return {"source": source, "target": target, "old": client_for(old), "new": client_for(new)}


def value(unit, code, slug):
    year, quarter = slug.split("-q")
    period = Period.objects.get(congress__unit__code="duk", year=int(year), quarter=int(quarter))
    return Rollup.objects.get(unit=unit, target__code=code, period=period)


def own_value(code, slug):
    from targets.models import Entry

    year, quarter = slug.split("-q")
    entry = Entry.objects.filter(
        report__unit__code="buu-dien",
        report__period__year=int(year),
        report__period__quarter=int(quarter),
        report__status="approved",
        target__code=code,
    ).first()
    return (entry.value or 0) if entry else 0


def test_the_old_parent_reads_the_quarters_before_a_transfer_and_nothing_after(reorganised):
    old = reorganised["old"]
    assert old.get("/dashboard/buu-dien/?as_of=2024-q3").status_code == 200
    assert old.get("/reports/buu-dien/2024-q3/").status_code == 200
    assert old.get("/dashboard/buu-dien/?as_of=2024-q4").status_code == 404
    assert old.get("/reports/buu-dien/2025-q1/").status_code == 404
    assert old.get("/units/buu-dien/").status_code == 404  # today's tree: no longer theirs
    # Read-only: reviewing what is now another bloc's unit is refused.
    assert (
        old.post("/reports/buu-dien/2024-q3/reopen/", {"reason": "x", "until": "2026-12-01"}).status_code
        == 403
    )


def test_the_new_parent_reads_the_units_whole_history(reorganised):
    new = reorganised["new"]
    for slug in ("2021-q3", "2024-q3", "2025-q1"):
        assert new.get(f"/dashboard/buu-dien/?as_of={slug}").status_code == 200
        assert new.get(f"/reports/buu-dien/{slug}/").status_code == 200
    assert new.get("/units/buu-dien/").status_code == 200


def test_a_secretary_sees_their_unit_whatever_moved_around_it(buudien_client):
    assert buudien_client.get("/dashboard/buu-dien/?as_of=2024-q3").status_code == 200


def test_totals_follow_the_tree_of_each_quarter(reorganised):
    source, target = reorganised["source"], reorganised["target"]
    moved = own_value("CT06", "2024-q3")
    later = own_value("CT06", "2025-q1")
    # Before the transfer the unit's quarter counts for its old bloc; after it, for its new one.
    assert moved > 0 or later > 0
    before_old, before_new = value(source, "CT06", "2024-q3"), value(target, "CT06", "2024-q3")
    after_old, after_new = value(source, "CT06", "2025-q1"), value(target, "CT06", "2025-q1")
    from targets.models import Entry

    def bloc_sum(bloc, slug):
        year, quarter = slug.split("-q")
        return sum(
            e.value or 0
            for e in Entry.objects.filter(
                report__status="approved",
                report__period__year=int(year),
                report__period__quarter=int(quarter),
                target__code="CT06",
            ).select_related("report__unit")
            if _in(bloc, e.report.unit, slug)
        )

    assert before_old.value == bloc_sum(source, "2024-q3")
    assert before_new.value == bloc_sum(target, "2024-q3")
    assert after_old.value == bloc_sum(source, "2025-q1")
    assert after_new.value == bloc_sum(target, "2025-q1")


def _in(bloc, unit, slug) -> bool:
    from units.placements import chains

    year, quarter = slug.split("-q")
    period = Period.objects.get(congress__unit__code="duk", year=int(year), quarter=int(quarter))
    return any(a.pk == bloc.pk for a in chains(unit, [(0, period.starts_on, period.ends_on)])[0])


def test_the_bloc_that_ended_shows_itself_then_its_successors(office_client, reorganised):
    """The predecessor's dashboard: its own figures until it ended, then itself plus its successors."""
    board = office_client.get("/dashboard/duk/?as_of=2025-q1").context["board"]
    line = next(x for x in board.lines if x.target.code == "CT06")
    ct06 = Target.objects.get(code="CT06", owner_unit__isnull=True)
    successors = sum(
        value(b, "CT06", "2025-q1").value for b in (reorganised["source"], reorganised["target"])
    )
    assert line.current.value == successors
    bloc = Unit.objects.get(code="duk")
    own = Rollup.objects.get(unit=bloc, target=ct06, period__year=2024, period__quarter=1)
    assert line.points[board.periods.index(own.period)].cumulative == own.cumulative
    assert {c.code for c in board.children} == {"khoi-cq", "khoi-dn"}
    assert board.completeness.expected == 137


MERGE = Decision("1338-QĐ/TU", date(2024, 4, 26), "Tỉnh ủy Bình Dương", date(2024, 4, 26))


def ct06(client, code, slug):
    board = client.get(f"/dashboard/{code}/?as_of={slug}").context["board"]
    return next(x for x in board.lines if x.target.code == "CT06")


def test_a_merged_unit_continues_its_predecessors_counts_once(office_client, vanphong):
    """New members admitted by two merged units count once, for the new unit, from the merge on; the
    predecessors' dashboards still show their own figures, never the carried ones twice."""
    a, b = Unit.objects.get(code="demo-001"), Unit.objects.get(code="demo-002")
    # The demo approved their later quarters too; a unit that has ended reports no more.
    from targets.models import ProgressReport
    from targets.rollup import rollup_full

    later = ProgressReport.objects.filter(unit__in=[a, b], period__starts_on__gt=MERGE.effective_on)
    later.update(status=ProgressReport.Status.DRAFT)
    rollup_full(Unit.objects.get(code="duk").congresses.order_by("ordinal").last())
    # What each had reached by its last day (the merge takes effect in Q2/2024).
    before = {
        code: ct06(office_client, code, "2024-q2").current.cumulative for code in ("demo-001", "demo-002")
    }
    assert all(before.values())
    reorganisation.merge(
        units=[a, b],
        into=NewUnit("demo-001-002", "Đảng bộ hợp nhất", Unit.Kind.DANG_BO_CO_SO),
        decision=MERGE,
        user=vanphong,
    )
    settle_pending()
    merged = ct06(office_client, "demo-001-002", "2025-q1")
    assert merged.current.cumulative == before["demo-001"] + before["demo-002"]
    # The predecessor shows itself, then itself plus what the merged unit reports itself (nothing yet).
    assert ct06(office_client, "demo-001", "2025-q1").current.cumulative == before["demo-001"]
    # The bloc's own total is unchanged by the merge: it adds up its tree, never a carried figure.
    bloc = Unit.objects.get(code="duk")
    assert (
        ct06(office_client, "duk", "2025-q1").current.cumulative == value(bloc, "CT06", "2025-q1").cumulative
    )


def test_a_split_unit_s_successors_start_from_the_shares_of_the_quotas_redistributed(office_client, vanphong):
    from targets.models import QuotaRedistribution

    unit = Unit.objects.get(code="demo-003")
    reached = ct06(office_client, "demo-003", "2024-q2").current.cumulative
    assert reached
    cells = {
        c.pk: "demo-003-a" for c in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
    }
    event = reorganisation.split(
        unit=unit,
        parts=[
            NewUnit("demo-003-a", "Phần A", Unit.Kind.DANG_BO_CO_SO),
            NewUnit("demo-003-b", "Phần B", Unit.Kind.DANG_BO_CO_SO),
        ],
        children=cells,
        decision=MERGE,
        user=vanphong,
    )
    target = Target.objects.get(code="CT06", owner_unit__isnull=True)
    QuotaRedistribution.objects.create(
        event=event, target=target, before={"demo-003": 40}, after={"demo-003-a": 30, "demo-003-b": 10}
    )
    settle_pending()
    a = ct06(office_client, "demo-003-a", "2025-q1").current.cumulative
    b = ct06(office_client, "demo-003-b", "2025-q1").current.cumulative
    assert (a, b) == (round(reached * 3 / 4), round(reached / 4))


def test_an_absorbed_unit_is_continued_from_the_day_of_the_absorption(office_client, vanphong):
    """The absorbing unit may have no start date (it existed before the records began): the absorbed
    one's dashboard adds it only from the quarter of the event, never before."""
    a, b = Unit.objects.get(code="demo-001"), Unit.objects.get(code="demo-002")
    Unit.objects.filter(pk=a.pk).update(active_from=None)
    a.refresh_from_db()
    before = ct06(office_client, "demo-002", "2024-q1").current.cumulative
    reorganisation.merge(units=[b], into=a, decision=MERGE, user=vanphong)
    settle_pending()
    # Before the absorption (Q1/2024) the absorbed unit shows only itself.
    assert ct06(office_client, "demo-002", "2024-q1").current.cumulative == before
    assert office_client.get("/dashboard/demo-002/?as_of=2025-q1").status_code == 200

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

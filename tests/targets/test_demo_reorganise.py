"""`loaddemo --reorganise`: the demo bloc's own split of 26/04/2024, applied once, with dashboards of the
predecessor and both successor blocs showing figures."""

from io import StringIO

import pytest
from django.core.management import call_command

from targets.models import Allocation, QuotaRedistribution, Target
from targets.rollup import settle_pending
from units.models import Membership, Placement, ReorgEvent, Succession, Unit

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (ReorgEvent, Placement, Succession, Unit, Allocation, QuotaRedistribution, Membership)
    }


@pytest.fixture
def reorganised(db):
    out = StringIO()
    call_command("loaddemo", "--force", "--reorganise", stdout=out)
    settle_pending()
    return out.getvalue()


def test_the_split_is_applied_once_and_a_second_run_changes_nothing(reorganised):
    assert "1337-QĐ/TU" in reorganised
    bloc = Unit.objects.get(code="duk")
    assert bloc.active_to.isoformat() == "2024-04-25"
    event = ReorgEvent.objects.get(decision_number="1337-QĐ/TU")
    assert event.kind == ReorgEvent.Kind.SPLIT and event.issuing_body == "Tỉnh ủy Bình Dương"
    assert "1338-QĐ/TU" in event.note
    before = counts()
    out = StringIO()
    call_command("loaddemo", "--force", "--reorganise", stdout=out)
    assert "nothing (already applied)" in out.getvalue()
    assert counts() == before


def test_agencies_and_enterprises_go_to_their_blocs_and_quotas_add_up(reorganised):
    agencies, enterprises = Unit.objects.get(code="khoi-cq"), Unit.objects.get(code="khoi-dn")
    assert Unit.objects.get(code="so-xay-dung").path.startswith(agencies.path)
    for code in ("buu-dien", "kcn-nam-tan-uyen"):
        assert Unit.objects.get(code=code).path.startswith(enterprises.path)
    members = {b.code: sum(b.subtree().values_list("members", flat=True)) for b in (agencies, enterprises)}
    assert sum(members.values()) == 7935
    ct06 = Target.objects.get(code="CT06", owner_unit__isnull=True)
    quotas = Allocation.objects.filter(target=ct06, unit__in=[agencies, enterprises], year__isnull=True)
    assert sum(a.value for a in quotas) == int(ct06.value)
    line = QuotaRedistribution.objects.get(target=ct06)
    assert line.before == {"duk": int(ct06.value)} and line.after_total == int(ct06.value)
    assert not line.reason


def test_the_office_keeps_its_roles_over_both_successor_blocs(reorganised, vanphong):
    held = set(Membership.objects.filter(user=vanphong).values_list("unit__code", "role"))
    assert {("khoi-cq", "bloc_office"), ("khoi-dn", "bloc_office")} <= held


def test_dashboards_of_the_predecessor_and_both_successors_show_figures(reorganised, office_client):
    def ct06(code, as_of):
        response = office_client.get(f"/dashboard/{code}/?as_of={as_of}")
        assert response.status_code == 200
        line = next(x for x in response.context["board"].lines if x.target.code == "CT06")
        return line.current.value

    agencies, enterprises = ct06("khoi-cq", "2025-q1"), ct06("khoi-dn", "2025-q1")
    assert agencies > 0 and enterprises > 0
    # The predecessor: its own figures until it ended, then itself plus its successors.
    assert ct06("duk", "2023-q4") > 0
    board = office_client.get("/dashboard/duk/?as_of=2025-q1").context["board"]
    assert {c.code for c in board.children} == {"khoi-cq", "khoi-dn"}
    duk = next(x for x in board.lines if x.target.code == "CT06").current.value
    assert duk == agencies + enterprises

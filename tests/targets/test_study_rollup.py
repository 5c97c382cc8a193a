"""Study figures on dashboards come from the settled roll-up rows (RollupUnit): the same figures as the
live sums over the subtree, owed by every session recorded, edited or deleted and by every unit edit,
and settled exactly once."""

from datetime import timedelta

import pytest

from resolutions.models import Resolution, StudySession
from resolutions.services import SessionInput, study_session_add
from resolutions.tracking import settled_study, study_by_child, study_coverage
from targets.dashboard import children_of
from targets.models import Period, RollupChange, RollupUnit
from targets.rollup import rollup_full, settle_pending
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def q2():
    return Period.objects.get(congress__unit__code="duk", year=2025, quarter=2)


def unit_rows(congress):
    return sorted(
        RollupUnit.objects.filter(period__congress=congress).values_list(
            "unit_id", "period_id", "members", "studied", "sessions", "non_members"
        )
    )


def posted(form) -> dict:
    """What the browser posts back for a form as the page shows it."""
    out = {}
    for name in form.fields:
        value = form[name].value()
        out[form.add_prefix(name)] = "" if value is None else value
    return out


def figures(coverage):
    return (coverage.members, coverage.studied, coverage.sessions, coverage.non_members)


def test_the_settled_study_figures_equal_the_live_sums_over_the_subtree(q2):
    bloc = Unit.objects.get(code="duk")
    children = children_of(bloc, q2)
    total, by_child = settled_study(bloc, q2, children)
    assert figures(total) == figures(study_coverage(bloc, q2.congress, until=q2.ends_on))
    assert total.members == 7935  # the article's members, as the demo loads them
    live = study_by_child(bloc, q2.congress, until=q2.ends_on, children=children)
    assert [(u.pk, figures(c)) for u, c in by_child] == [(u.pk, figures(c)) for u, c in live]
    # A grassroots organisation with cells reads its row; the first quarter reads fewer sessions.
    first = Period.objects.get(congress=q2.congress, index=1)
    early, _rows = settled_study(bloc, first, children_of(bloc, first))
    assert early.sessions < total.sessions


def test_a_recorded_session_reaches_the_bloc_dashboard_through_the_ledger(
    q2, namtanuyen, standing_client, django_capture_on_commit_callbacks
):
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    bloc = Unit.objects.get(code="duk")
    resolution = Resolution.objects.filter(congress=q2.congress).order_by("pk").first()
    before, _rows = settled_study(bloc, q2, children_of(bloc, q2))
    with django_capture_on_commit_callbacks(execute=True):  # settled in process after the commit
        session = study_session_add(
            unit=unit,
            resolution=resolution,
            user=namtanuyen,
            data=SessionInput(
                held_on=q2.starts_on + timedelta(days=5),
                form="conference",
                attending=3,
                first_time=0,
                non_members=40,
            ),
        )
    change = RollupChange.objects.get(cause=RollupChange.Cause.STUDY, payload__session=session.pk)
    assert change.settled_at is not None and change.period_id == q2.pk
    after, rows = settled_study(bloc, q2, children_of(bloc, q2))
    assert (after.sessions, after.non_members) == (before.sessions + 1, before.non_members + 40)
    assert {u.code: c.sessions for u, c in rows}["kcn-nam-tan-uyen"] == (
        study_coverage(unit, q2.congress, until=q2.ends_on).sessions
    )
    # The quarter before does not count it; the rows equal what a full rebuild gives.
    settled = unit_rows(q2.congress)
    rollup_full(q2.congress)
    assert unit_rows(q2.congress) == settled
    html = standing_client.get("/dashboard/?as_of=2025-q2").content.decode()
    assert f"{after.sessions:,}".replace(",", ".") in html


def test_the_admins_edit_and_delete_of_a_session_are_owed_and_settled(admin_client, q2):
    bloc = Unit.objects.get(code="duk")
    session = StudySession.objects.filter(unit__path__startswith=bloc.path).order_by("pk").first()
    before, _rows = settled_study(bloc, q2, children_of(bloc, q2))
    url = f"/admin/resolutions/studysession/{session.pk}/change/"
    data = posted(admin_client.get(url).context["adminform"].form)
    data["non_members"] = session.non_members + 7
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    settle_pending()
    edited, _rows = settled_study(bloc, q2, children_of(bloc, q2))
    assert (edited.sessions, edited.non_members) == (before.sessions, before.non_members + 7)
    response = admin_client.post(f"/admin/resolutions/studysession/{session.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    settle_pending()
    deleted, _rows = settled_study(bloc, q2, children_of(bloc, q2))
    assert (deleted.sessions, deleted.studied) == (before.sessions - 1, before.studied - session.first_time)
    settled = unit_rows(q2.congress)
    rollup_full(q2.congress)
    assert unit_rows(q2.congress) == settled


def test_a_units_members_changed_in_the_admin_owe_a_rebuild(admin_client, q2):
    bloc = Unit.objects.get(code="duk")
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    before, _rows = settled_study(bloc, q2, children_of(bloc, q2))
    response = admin_client.get(f"/admin/units/unit/{unit.pk}/change/")
    data = posted(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:  # the memberships, as shown
        formset = inline.formset
        data.update(posted(formset.management_form))
        for form in formset.forms:
            data.update(posted(form))
    data["members"] = unit.members + 11
    response = admin_client.post(f"/admin/units/unit/{unit.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert RollupChange.objects.filter(cause=RollupChange.Cause.TREE, settled_at__isnull=True).exists()
    settle_pending()
    after, _rows = settled_study(bloc, q2, children_of(bloc, q2))
    assert after.members == before.members + 11


def test_the_dashboards_say_what_is_still_owed_in_words(q2, namtanuyen, standing_client):
    from targets import ledger

    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    resolution = Resolution.objects.filter(congress=q2.congress).order_by("pk").first()
    with ledger.held():  # recorded, not settled yet
        study_session_add(
            unit=unit,
            resolution=resolution,
            user=namtanuyen,
            data=SessionInput(held_on=q2.starts_on, form="conference", attending=2, first_time=0),
        )
    html = standing_client.get("/dashboard/?as_of=2025-q2").content.decode()
    assert "Số liệu học tập nghị quyết đang được cập nhật (1 buổi học tập mới ghi" in html
    settle_pending()
    html = standing_client.get("/dashboard/?as_of=2025-q2").content.decode()
    assert "đang được cập nhật" not in html
    # A change of the tree, recorded on the bloc, holds back every dashboard of the term.
    with ledger.held():
        ledger.record_tree_change(Unit.objects.get(code="duk"), q2.congress_id)
    html = standing_client.get(f"/dashboard/{unit.code}/?as_of=2025-q2").content.decode()
    assert "Cây đơn vị vừa thay đổi: mọi số liệu dưới đây đang được tổng hợp lại" in html
    settle_pending()
    html = standing_client.get(f"/dashboard/{unit.code}/?as_of=2025-q2").content.decode()
    assert "Cây đơn vị vừa thay đổi" not in html

"""The demo holds the source article's figures (docs/domain.md) exactly; loading it again changes nothing
but renews the extension that keeps Q2/2025 open."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from resolutions.models import Congress, Resolution
from targets.devtools.demo import EXTENSION_DAYS, GENERAL_DIRECTION, load_demo
from targets.models import Allocation, DeadlineExtension, Entry, Period, ProgressReport, Target
from targets.workflow import window_for
from tests.helpers import DEMO_NOW, DEMO_TODAY
from units.models import Membership, Unit

pytestmark = pytest.mark.django_db


def snapshot(*, leave_out=()):
    """Every row of every table of ours, as plain values."""
    out = {}
    for app in ("units", "resolutions", "targets", "auth"):
        for model in apps.get_app_config(app).get_models():
            if model._meta.label not in leave_out:
                out[model._meta.label] = sorted(map(repr, model.objects.values_list()))
    return out


# What a run on a later day may change: kcn-nam-tan-uyen's extension and its history.
EXTENSION_TABLES = ("targets.DeadlineExtension", "targets.HistoricalDeadlineExtension")


def test_loading_the_demo_twice_changes_nothing():
    before = snapshot()
    summary = load_demo(today=DEMO_TODAY)
    assert not any(summary.created.values()), summary.created
    assert not summary.extension_renewed
    assert snapshot() == before


def _nam_tan_uyen_window():
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    return window_for(unit, Period.objects.get(congress__unit__code="duk", index=20))


def test_loaddemo_on_a_later_day_renews_the_extension_and_changes_nothing_else(demo_clock, capsys):
    extension = DeadlineExtension.objects.get(unit__code="kcn-nam-tan-uyen", period__index=20)
    first_until, first_history = extension.until, extension.history.count()
    before = snapshot(leave_out=EXTENSION_TABLES)
    later = date(2031, 12, 31)  # years after the first extension ran out
    demo_clock.move_to(datetime.combine(later, time(10, 0), tzinfo=DEMO_NOW.tzinfo))
    assert first_until < later and not _nam_tan_uyen_window().is_open  # closed until loaddemo runs

    call_command("loaddemo", "--force")

    assert (
        f"open for entry until {later + timedelta(days=EXTENSION_DAYS):%d/%m/%Y}" in capsys.readouterr().out
    )
    extension.refresh_from_db()
    assert extension.until == later + timedelta(days=EXTENSION_DAYS)
    assert (extension.until - timezone.localdate(extension.granted_at)).days <= 366  # the reopen rule's cap
    assert extension.history.count() == first_history + 1
    assert _nam_tan_uyen_window().is_open
    assert snapshot(leave_out=EXTENSION_TABLES) == before


def test_a_run_on_an_earlier_day_never_shortens_the_extension():
    extension = DeadlineExtension.objects.get(unit__code="kcn-nam-tan-uyen", period__index=20)
    row, history = (
        repr(DeadlineExtension.objects.values_list().get(pk=extension.pk)),
        extension.history.count(),
    )
    summary = load_demo(today=DEMO_TODAY - timedelta(days=30))
    assert summary.open_until == extension.until and not summary.extension_renewed
    assert repr(DeadlineExtension.objects.values_list().get(pk=extension.pk)) == row
    assert extension.history.count() == history


def test_the_bloc_congress_holds_the_article_figures():
    congress = Congress.objects.get(ordinal=7, unit__code="duk")
    assert (congress.held_from.isoformat(), congress.held_to.isoformat()) == ("2020-07-13", "2020-07-15")
    assert congress.delegates == 299
    assert congress.members_represented == 7935
    assert congress.grassroots_organisations == 137
    assert (congress.term_start_year, congress.term_end_year) == (2020, 2025)
    assert congress.parent.ordinal == 11
    assert congress.parent.parent.ordinal == 13
    assert congress.parent.parent.organisation_name == "Đảng Cộng sản Việt Nam"


def test_the_provincial_congress_holds_the_article_figures():
    provincial = Congress.objects.get(organisation_name="Đảng bộ tỉnh Bình Dương", ordinal=11)
    assert (provincial.held_from.isoformat(), provincial.held_to.isoformat()) == ("2020-10-13", "2020-10-15")
    assert provincial.executive_committee_size == 49
    assert provincial.standing_committee_size == 15
    assert (provincial.secretaries, provincial.deputy_secretaries) == (1, 2)
    assert (provincial.delegates_to_parent, provincial.alternates_to_parent) == (17, 2)


def test_the_general_direction_is_quoted_verbatim_with_its_diacritics():
    resolution = Resolution.objects.get(congress__ordinal=7)
    assert resolution.general_direction == GENERAL_DIRECTION
    assert resolution.general_direction.startswith("Tiếp tục nâng cao năng lực lãnh đạo và sức chiến đấu")
    assert "trong sạch, vững mạnh về chính trị, tư tưởng, tổ chức và đạo đức" in resolution.general_direction
    assert resolution.programmes.count() == 2


@pytest.mark.parametrize(
    ("code", "measure", "value", "scope"),
    [
        ("CT01", "ratio", "100", "term"),
        ("CT02", "ratio", "100", "yearly"),
        ("CT03", "ratio", "90", "yearly"),
        ("CT04", "milestone", "100", "yearly"),
        ("CT05", "flow", "20", "term"),
        ("CT06", "flow", "1800", "term"),
        ("CT06.1", "subcount", "300", "term"),
        ("CT07", "flow", "25", "term"),
        ("CT08", "milestone", "100", "yearly"),
    ],
)
def test_every_target_of_the_article_is_there(code, measure, value, scope):
    target = Target.objects.get(resolution__congress__ordinal=7, code=code)
    assert (target.measure, target.value, target.scope) == (measure, Decimal(value), scope)


def test_the_300_are_part_of_the_1800():
    sub = Target.objects.get(code="CT06.1")
    assert sub.parent.code == "CT06"


def test_unit_quotas_add_up_to_the_bloc_targets():
    for target in Target.objects.filter(
        measure__in=["flow", "subcount"], resolution__congress__ordinal=7, owner_unit__isnull=True
    ):
        total = Allocation.objects.filter(target=target, year__isnull=True).aggregate(s=Sum("value"))["s"]
        assert total == target.value, target.code


def test_no_unit_is_asked_for_more_non_state_members_than_new_members():
    quotas = {(a.target.code, a.unit_id): a.value for a in Allocation.objects.select_related("target")}
    for (code, unit_id), value in quotas.items():
        if code == "CT06.1":
            assert value <= quotas[("CT06", unit_id)]


def test_the_bloc_has_137_grassroots_organisations_holding_7935_members():
    bloc = Unit.objects.get(code="duk")
    grassroots = Unit.objects.filter(path__startswith=bloc.path, kind__in=Unit.GRASSROOTS_KINDS)
    assert grassroots.count() == 137
    assert bloc.subtree().aggregate(s=Sum("members"))["s"] == 7935
    assert Unit.objects.filter(kind=Unit.Kind.CHI_BO_TRUC_THUOC, path__startswith=bloc.path).exists()


def test_the_three_units_of_the_article_are_under_the_bloc():
    bloc = Unit.objects.get(code="duk")
    for code, name in [
        ("kcn-nam-tan-uyen", "Đảng ủy Khu công nghiệp Nam Tân Uyên"),
        ("so-xay-dung", "Đảng bộ Sở Xây dựng"),
        ("buu-dien", "Đảng bộ Bưu điện tỉnh Bình Dương"),
    ]:
        unit = Unit.objects.get(code=code)
        assert unit.name == name
        assert Unit.objects.get_parent(unit) == bloc


def test_the_term_has_20_quarters_from_q3_2020_to_q2_2025():
    congress = Congress.objects.get(ordinal=7, unit__code="duk")
    labels = [p.label for p in congress.periods.order_by("index")]
    assert len(labels) == 20
    assert (labels[0], labels[-1]) == ("Quý III/2020", "Quý II/2025")


def test_the_last_quarter_is_a_realistic_mix_and_nam_tan_uyen_is_open():
    last = ProgressReport.objects.filter(period__index=20)
    statuses = dict(last.values_list("status").annotate(n=Count("id")))
    assert statuses["approved"] > 90
    assert statuses["submitted"] > 5
    assert statuses["returned"] == 1
    assert statuses["draft"] > 5
    assert last.get(status="returned").review_comment
    assert not last.filter(unit__code="kcn-nam-tan-uyen").exists()
    extension = DeadlineExtension.objects.get(unit__code="kcn-nam-tan-uyen", period__index=20)
    assert extension.until > DEMO_TODAY


def test_earlier_quarters_are_approved_with_some_missing():
    earlier = ProgressReport.objects.filter(period__index__lt=20)
    assert set(earlier.values_list("status", flat=True)) == {"approved"}
    assert 0 < 137 * 19 - earlier.count() < 200


def test_a_sub_count_never_exceeds_its_parent_in_the_same_report():
    parents = dict(Entry.objects.filter(target__code="CT06").values_list("report_id", "value"))
    for report_id, value in Entry.objects.filter(target__code="CT06.1").values_list("report_id", "value"):
        assert value <= parents[report_id]


def test_demo_logins_have_their_roles():
    roles = set(Membership.objects.values_list("user__username", "role", "unit__code"))
    assert {
        ("vanphong", "bloc_office", "duk"),
        ("thuongvu", "standing_committee", "duk"),
        ("namtanuyen", "unit_secretary", "kcn-nam-tan-uyen"),
        ("buudien", "unit_secretary", "buu-dien"),
        ("soxaydung", "unit_secretary", "so-xay-dung"),
    } <= roles


def test_the_command_refuses_demo_logins_when_debug_is_off(settings, capsys):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="thuongvu").delete()
    settings.DEBUG = False
    call_command("loaddemo")
    assert not get_user_model().objects.filter(username="thuongvu").exists()
    assert "--force" in capsys.readouterr().err
    call_command("loaddemo", "--force")
    assert get_user_model().objects.filter(username="thuongvu").exists()


def test_each_unit_sends_its_own_reports_and_the_office_only_reviews_them():
    """Separation of duties in the demo: every report was sent by its unit's own user."""
    from django.contrib.auth import get_user_model

    office = get_user_model().objects.get(username="vanphong")
    unit_roles = set(
        Membership.objects.filter(role__in=["unit_secretary", "unit_clerk"]).values_list("user_id", "unit_id")
    )
    sent = ProgressReport.objects.exclude(status="draft")
    assert all((user, unit) in unit_roles for user, unit in sent.values_list("submitted_by_id", "unit_id"))
    assert set(sent.exclude(status="submitted").values_list("reviewed_by", flat=True)) == {office.pk}
    assert (
        not ProgressReport.history.filter(history_user=office)
        .exclude(status__in=["approved", "returned"])
        .exists()
    )
    assert not Entry.history.filter(history_user=office).exists()
    assert (
        ProgressReport.objects.get(unit__code="buu-dien", period__index=1).submitted_by.username == "buudien"
    )


def test_the_demo_clerks_cannot_log_in_and_get_no_reminders():
    from django.contrib.auth import get_user_model

    clerks = get_user_model().objects.filter(username__startswith="canbo.")
    assert clerks.count() == 137 - 3
    assert not any(clerk.has_usable_password() for clerk in clerks)
    assert not clerks.exclude(email="").exists()

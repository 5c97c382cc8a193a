"""Double clicks and two people at once, as real concurrent requests against the database.

Each test releases two requests together (two threads, two sessions, two
database connections) and asserts what each person sees and that the report
was written once. They need a database that lets two writers wait for each
other: PostgreSQL (CI). The SQLite test database is in memory with a shared
cache, where a second writer fails at once ("table is locked") instead of
waiting, so there they skip; the embedded SQLite file of `make run` is raced
in tests/targets/test_races_sqlite.py.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from config import clock
from targets.entries import EntryInput
from targets.models import DeadlineExtension, Entry, ProgressReport
from targets.periods import periods_ensure
from targets.services.reports import report_approve, report_save, report_submit
from tests.factories import CongressFactory, ResolutionFactory, TargetFactory, UnitFactory, UserFactory
from units.models import Membership, Unit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two writers at once need PostgreSQL: the in-memory SQLite test database "
        "refuses a second writer instead of queueing it (see test_races_sqlite.py)",
    ),
]

# What the loser of a race used to be told: never again for a step that was taken.
WRONG_MESSAGES = [
    "Chỉ duyệt hoặc trả lại được báo cáo đang chờ duyệt.",
    "Anh/chị không có quyền",
    "Báo cáo đã gửi, đang chờ Văn phòng duyệt; không thể sửa lúc này.",
    "Phiên tải tệp đã hết hạn",
]


class World:
    """A bloc with one grassroots cell, one count target, the term's last quarter open for entry."""

    def __init__(self):
        self.bloc = UnitFactory(code="race-bloc", kind=Unit.Kind.BLOC, members=0)
        self.unit = UnitFactory(parent=self.bloc, code="race-unit", members=40)
        congress = CongressFactory(unit=self.bloc)
        self.target = TargetFactory(resolution=ResolutionFactory(congress=congress), code="R01")
        self.period = periods_ensure(congress)[-1]
        DeadlineExtension.objects.create(
            unit=self.unit,
            period=self.period,
            until=clock.today() + timedelta(days=30),
            reason="Mở để thử",
        )
        self.office = self._user("race-office", "Văn phòng", Membership.Role.BLOC_OFFICE, self.bloc)
        self.office2 = self._user("race-office2", "Văn phòng 2", Membership.Role.BLOC_OFFICE, self.bloc)
        self.clerk = self._user("race-clerk", "Cán bộ A", Membership.Role.UNIT_CLERK, self.unit)
        self.clerk2 = self._user("race-clerk2", "Cán bộ B", Membership.Role.UNIT_CLERK, self.unit)
        self.url = f"/reports/{self.unit.code}/{self.period.slug}/"

    @staticmethod
    def _user(username, name, role, unit):
        user = UserFactory(username=username, first_name=name)
        Membership.objects.create(user=user, unit=unit, role=role)
        return user

    def client(self, user):
        client = Client()
        client.force_login(user)
        return client

    def figures(self, value, version=0, **extra):
        return {"version": str(version), f"t{self.target.pk}-value": str(value), **extra}

    def report(self):
        return ProgressReport.objects.filter(unit=self.unit, period=self.period).first()

    def submitted(self, value=2):
        """A report the clerk sent with R01 = value, through the services."""
        report_save(
            unit=self.unit,
            period=self.period,
            user=self.clerk,
            inputs={self.target.pk: EntryInput(value=value)},
            expected_version=0,
        )
        return report_submit(unit=self.unit, period=self.period, user=self.clerk)

    def history(self):
        report = self.report()
        return list(
            ProgressReport.history.filter(id=report.pk)
            .order_by("history_date", "history_id")
            .values_list("history_change_reason", flat=True)
        )


@pytest.fixture
def world():
    return World()


def at_once(*calls):
    """Run the calls in threads released together; their results (or the exception each raised)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # a 500 in the view surfaces here
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def page(response) -> str:
    assert not isinstance(response, BaseException), repr(response)
    assert response.status_code in (200, 409), response.status_code
    text = response.content.decode()
    for wrong in WRONG_MESSAGES:
        assert wrong not in text
    return text


def test_a_double_click_on_the_first_save_stores_the_report_once_and_both_clicks_succeed(world):
    a, b = world.client(world.clerk), world.client(world.clerk)
    data = world.figures(5, save="1")
    first, second = at_once(
        lambda: a.post(world.url, data, follow=True), lambda: b.post(world.url, data, follow=True)
    )
    pages = [page(first), page(second)]
    assert all(r.status_code == 200 for r in (first, second))
    assert any("Đã lưu nháp báo cáo" in p for p in pages)
    assert any("Số liệu này đã được lưu lúc" in p or "Đã lưu nháp báo cáo" in p for p in pages)
    report = world.report()
    assert (report.status, report.version) == ("draft", 1)
    assert list(Entry.objects.filter(report=report).values_list("value", flat=True)) == [5]
    assert world.history() == ["Tạo báo cáo"]


def test_two_people_starting_the_same_report_at_once_keep_the_first_and_show_the_second_what_changed(world):
    a, b = world.client(world.clerk), world.client(world.clerk2)
    first, second = at_once(
        lambda: a.post(world.url, world.figures(5, save="1"), follow=True),
        lambda: b.post(world.url, world.figures(7, save="1"), follow=True),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409]
    loser = first if first.status_code == 409 else second
    text = page(loser)
    assert "sau khi anh/chị mở trang" in text
    assert list(Entry.objects.filter(report=world.report()).values_list("value", flat=True)) in ([5], [7])
    assert world.report().version == 1
    assert world.history() == ["Tạo báo cáo"]


def test_a_double_click_on_send_sends_once_and_the_second_says_when_it_was_sent(world):
    a, b = world.client(world.clerk), world.client(world.clerk)
    data = world.figures(5, submit="1")
    first, second = at_once(
        lambda: a.post(world.url, data, follow=True), lambda: b.post(world.url, data, follow=True)
    )
    pages = [page(first), page(second)]
    assert any("Đã gửi báo cáo" in p for p in pages)
    assert any("Báo cáo đã được gửi lúc" in p or "Đã gửi báo cáo" in p for p in pages)
    report = world.report()
    assert (report.status, report.version, report.submitted_by) == ("submitted", 2, world.clerk)
    assert world.history() == ["Tạo báo cáo", "Gửi báo cáo"]


def test_a_double_click_on_approve_approves_once_and_the_second_says_when_and_by_whom(world):
    report = world.submitted()
    a, b = world.client(world.office), world.client(world.office)
    data = {"decision": "approve", "comment": "", "version": report.version}
    url = world.url + "review/"
    first, second = at_once(lambda: a.post(url, data, follow=True), lambda: b.post(url, data, follow=True))
    pages = [page(first), page(second)]
    assert sum("Đã duyệt báo cáo của" in p for p in pages) == 1
    assert sum("Báo cáo đã được duyệt lúc" in p and "bởi Văn phòng" in p for p in pages) == 1
    approved = world.report()
    assert (approved.status, approved.version, approved.reviewed_by) == (
        "approved",
        report.version + 1,
        world.office,
    )
    assert world.history() == ["Tạo báo cáo", "Gửi báo cáo", "Duyệt báo cáo"]


def test_approve_and_return_at_once_take_one_decision_and_tell_the_other_reviewer_plainly(world):
    report = world.submitted()
    a, b = world.client(world.office), world.client(world.office2)
    url = world.url + "review/"
    first, second = at_once(
        lambda: a.post(url, {"decision": "approve", "version": report.version}, follow=True),
        lambda: b.post(
            url, {"decision": "return", "comment": "Sửa R01", "version": report.version}, follow=True
        ),
    )
    pages = [page(first), page(second)]
    decided = world.report()
    assert decided.version == report.version + 1
    assert len(world.history()) == 3
    if decided.status == "approved":
        assert decided.reviewed_by == world.office and decided.review_comment == ""
        assert "Báo cáo đã được Văn phòng duyệt lúc" in pages[1]
    else:
        assert decided.status == "returned" and decided.reviewed_by == world.office2
        assert decided.review_comment == "Sửa R01"
        assert "Báo cáo đã được Văn phòng 2 trả lại đơn vị lúc" in pages[0]


def test_a_double_click_on_reopen_reopens_once_and_the_second_says_until_when(world):
    report = world.submitted()
    report = report_approve(
        unit=world.unit, period=world.period, user=world.office, expected_version=report.version
    )
    a, b = world.client(world.office), world.client(world.office2)
    until = (clock.today() + timedelta(days=10)).isoformat()
    data = {"until": until, "reason": "Sửa số liệu R01", "version": report.version}
    url = world.url + "reopen/"
    first, second = at_once(lambda: a.post(url, data, follow=True), lambda: b.post(url, data, follow=True))
    pages = [page(first), page(second)]
    assert sum("Đã mở lại" in p for p in pages) == 1
    assert sum("Kỳ báo cáo đã được mở lại lúc" in p for p in pages) == 1
    reopened = world.report()
    assert (reopened.status, reopened.version) == ("returned", report.version + 1)
    assert world.history().count("Mở lại kỳ báo cáo: Sửa số liệu R01") == 1


def test_a_double_click_on_attach_stores_the_file_once(world):
    world.submitted()
    ProgressReport.objects.filter(pk=world.report().pk).update(status="returned")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    url = world.url + "files/"

    def attach(client):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("bien-ban.png", png, content_type="image/png")
        return client.post(url, {"file": upload, "target": ""}, follow=True)

    a, b = world.client(world.clerk), world.client(world.clerk)
    first, second = at_once(lambda: attach(a), lambda: attach(b))
    pages = [page(first), page(second)]
    assert world.report().attachments.count() == 1
    assert sum("Đã đính kèm" in p for p in pages) == 1
    assert sum("đã được đính kèm lúc" in p for p in pages) == 1


def test_a_double_click_on_recording_a_study_session_records_it_once(world):
    from resolutions.models import StudySession

    a, b = world.client(world.clerk), world.client(world.clerk)
    data = {
        "held_on": clock.today().isoformat(),
        "form": "conference",
        "attending": "10",
        "first_time": "5",
        "non_members": "0",
        "note": "",
    }
    url = f"/study/{world.unit.code}/"
    first, second = at_once(lambda: a.post(url, data), lambda: b.post(url, data))
    assert not isinstance(first, BaseException) and not isinstance(second, BaseException)
    assert {first.status_code, second.status_code} == {302}  # both land on the unit's study page
    assert StudySession.objects.filter(unit=world.unit).count() == 1


def test_two_first_registrations_of_a_plan_at_once_make_one_plan(world, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from resolutions import services
    from resolutions.models import PlanDocument, Resolution
    from tests.files import pdf

    # Both registrations pass their checks before either looks for the unit's plan: the moment two
    # requests at once meet (without the wait on the unit's row, both would insert, one refused).
    checked = threading.Barrier(2)
    real_check = services.check_upload

    def check_then_meet(*args, **kwargs):
        result = real_check(*args, **kwargs)
        checked.wait(timeout=10)
        return result

    monkeypatch.setattr(services, "check_upload", check_then_meet)
    resolution = Resolution.objects.get(congress__unit=world.bloc)

    def register(user, number):
        return services.plan_register(
            unit=world.unit,
            resolution=resolution,
            user=user,
            number=number,
            issued_on=clock.today(),
            signer="Nguyễn Văn A",
            upload=SimpleUploadedFile("ke-hoach.pdf", pdf()),
        )

    first, second = at_once(
        lambda: register(world.clerk, "07-KH/ĐU"), lambda: register(world.clerk2, "08-KH/ĐU")
    )
    assert not isinstance(first, BaseException), repr(first)
    assert not isinstance(second, BaseException), repr(second)
    plans = list(PlanDocument.objects.filter(unit=world.unit))
    assert len(plans) == 1 and plans[0].number in ("07-KH/ĐU", "08-KH/ĐU")

"""The 503 page tells the truth about what was saved (config.outage's commit tracker)."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from config.outage import CommitTracker, database_unavailable

pytestmark = pytest.mark.django_db


def _write():
    Session.objects.create(session_key="outage-test", session_data="", expire_date=timezone.now())


def test_a_write_counts_as_saved_only_once_its_transaction_commits(django_capture_on_commit_callbacks):
    tracker = CommitTracker()
    # The test runs inside a transaction: the capture runs the on-commit callbacks as a commit would.
    with (
        connection.execute_wrapper(tracker),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        _write()
        assert not tracker.committed  # written, not yet committed
    assert tracker.committed


def test_a_rolled_back_write_and_reads_count_as_nothing_saved(django_capture_on_commit_callbacks):
    tracker = CommitTracker()
    with connection.execute_wrapper(tracker), django_capture_on_commit_callbacks(execute=True):
        list(Session.objects.all())
        with pytest.raises(RuntimeError), transaction.atomic():
            _write()
            raise RuntimeError("the database went away before the commit")
    assert not tracker.committed


@pytest.mark.parametrize(
    ("committed", "says"), [(False, "Chưa lưu gì"), (True, "kiểm tra số liệu trước khi gửi lại")]
)
def test_the_503_page_says_whether_anything_was_saved(committed, says):
    request = RequestFactory().post("/reports/x/2025-q2/")
    request.db_commit_tracker = CommitTracker()
    request.db_commit_tracker.committed = committed
    response = database_unavailable(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert says in response.content.decode()

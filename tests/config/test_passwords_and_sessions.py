"""Every user changes their own password; the office sets temporary ones; idle sessions end."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from config.models import PasswordReset

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CHANGE = "/accounts/password/"


def login(username, password):
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password})
    return client, response


def test_the_top_bar_links_to_the_password_change(namtanuyen_client):
    assert f'href="{CHANGE}"' in namtanuyen_client.get("/").content.decode()


def test_a_user_changes_their_own_password():
    client, _ = login("buudien", "demo1234")
    page = client.get(CHANGE)
    assert "Mật khẩu hiện tại" in page.content.decode()
    response = client.post(
        CHANGE,
        {"old_password": "demo1234", "new_password1": "Bưu-điện-2026!", "new_password2": "Bưu-điện-2026!"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still signed in
    assert login("buudien", "demo1234")[1].status_code == 200  # the old one no longer works
    assert login("buudien", "Bưu-điện-2026!")[1].status_code == 302


def test_a_wrong_current_password_or_a_weak_new_one_is_refused_in_vietnamese():
    client, _ = login("buudien", "demo1234")
    wrong = client.post(
        CHANGE, {"old_password": "nope", "new_password1": "Abcdef-2026!", "new_password2": "Abcdef-2026!"}
    )
    assert wrong.status_code == 200
    assert "Mật khẩu cũ không chính xác" in wrong.content.decode()
    weak = client.post(
        CHANGE, {"old_password": "demo1234", "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200
    assert "Mật khẩu này hoàn toàn là số" in weak.content.decode()
    assert get_user_model().objects.get(username="buudien").check_password("demo1234")


def test_the_office_sets_a_temporary_password_the_user_must_replace(office_client, vanphong):
    user = get_user_model().objects.get(username="soxaydung")
    page = office_client.get("/accounts/manage/")
    assert f'href="/accounts/manage/{user.pk}/password/"' in page.content.decode()
    response = office_client.post(
        f"/accounts/manage/{user.pk}/password/",
        {"new_password1": "Tam-thoi-2026!", "new_password2": "Tam-thoi-2026!"},
    )
    assert response.status_code == 302
    reset = PasswordReset.objects.get(user=user)
    assert reset.set_by == vanphong and reset.changed_at is None

    assert login("soxaydung", "demo1234")[1].status_code == 200  # the old password is gone
    client, response = login("soxaydung", "Tam-thoi-2026!")
    # Every page leads to the password change until the user chose their own.
    for url in ["/", "/reports/", "/dashboard/so-xay-dung/"]:
        answer = client.get(url)
        assert answer.status_code == 302 and answer.url == CHANGE
    page = client.get(CHANGE)
    assert "đã đặt mật khẩu tạm" in page.content.decode()
    client.post(
        CHANGE,
        {
            "old_password": "Tam-thoi-2026!",
            "new_password1": "Rieng-cua-toi-7!",
            "new_password2": "Rieng-cua-toi-7!",
        },
    )
    assert client.get("/").status_code == 200
    reset.refresh_from_db()
    assert reset.changed_at is not None
    # The office does not know the new password.
    assert login("soxaydung", "Tam-thoi-2026!")[1].status_code == 200


def test_a_temporary_password_ends_the_users_open_sessions(office_client, soxaydung_client, soxaydung):
    assert soxaydung_client.get("/").status_code == 200
    office_client.post(
        f"/accounts/manage/{soxaydung.pk}/password/",
        {"new_password1": "Tam-thoi-2026!", "new_password2": "Tam-thoi-2026!"},
    )
    assert soxaydung_client.get("/").url.startswith(LOGIN)


def test_the_office_cannot_set_a_password_for_a_superuser_or_itself(office_client, vanphong):
    admin = get_user_model().objects.create_superuser("quantri", "qt@demo.local", "Quan-tri-2026!")
    assert office_client.get(f"/accounts/manage/{admin.pk}/password/").status_code == 404
    assert office_client.get(f"/accounts/manage/{vanphong.pk}/password/").status_code == 404


def test_a_unit_secretary_cannot_set_anyones_password(namtanuyen_client, buudien):
    response = namtanuyen_client.post(
        f"/accounts/manage/{buudien.pk}/password/",
        {"new_password1": "X-2026-abc!", "new_password2": "X-2026-abc!"},
    )
    assert response.status_code == 403
    assert get_user_model().objects.get(pk=buudien.pk).check_password("demo1234")


def _session(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_ends_after_the_idle_time(settings):
    client, _ = login("namtanuyen", "demo1234")
    expires = _session(client).expire_date
    assert (
        timedelta(minutes=59) < expires - timezone.now() <= timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    )
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get("/").url.startswith(LOGIN)


def test_activity_renews_the_session_at_most_once_a_minute():
    client, _ = login("namtanuyen", "demo1234")
    first = _session(client).expire_date
    client.get("/")
    assert _session(client).expire_date == first  # a page right after login writes nothing
    session = client.session
    session["_renewed_at"] = int(time.time()) - 120
    session.set_expiry(None)
    session.save()
    Session.objects.filter(pk=session.session_key).update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get("/")
    assert _session(client).expire_date > timezone.now() + timedelta(minutes=59)

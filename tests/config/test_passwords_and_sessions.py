"""Every user changes their own password; the office sends a reset link, never a password; idle sessions end."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

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


def test_the_office_sends_a_password_link_and_never_knows_the_new_password(office_client, mailoutbox):
    user = get_user_model().objects.get(username="soxaydung")
    user.email = "soxaydung@demo.local"
    user.save()
    page = office_client.get("/accounts/manage/")
    assert f'action="/accounts/manage/{user.pk}/password-link/"' in page.content.decode()
    response = office_client.post(f"/accounts/manage/{user.pk}/password-link/")
    assert response.status_code == 302
    assert login("soxaydung", "demo1234")[1].status_code == 200  # the old password is gone at once
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["soxaydung@demo.local"]
    link = next(word for word in mailoutbox[0].body.split() if "/accounts/reset/" in word)
    client = Client()
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0], {"new_password1": "Rieng-cua-toi-7!", "new_password2": "Rieng-cua-toi-7!"}
    )
    assert login("soxaydung", "Rieng-cua-toi-7!")[1].status_code == 302


def test_a_password_link_ends_the_users_open_sessions(office_client, soxaydung_client, soxaydung):
    soxaydung.email = "soxaydung@demo.local"
    soxaydung.save()
    assert soxaydung_client.get("/").status_code == 200
    office_client.post(f"/accounts/manage/{soxaydung.pk}/password-link/")
    assert soxaydung_client.get("/").url.startswith(LOGIN)


def test_the_office_cannot_reset_a_superuser_or_itself(office_client, vanphong):
    admin = get_user_model().objects.create_superuser("quantri", "qt@demo.local", "Quan-tri-2026!")
    assert office_client.post(f"/accounts/manage/{admin.pk}/password-link/").status_code == 404
    assert office_client.post(f"/accounts/manage/{vanphong.pk}/password-link/").status_code == 404
    assert get_user_model().objects.get(pk=admin.pk).check_password("Quan-tri-2026!")


def test_a_unit_secretary_cannot_reset_anyones_password(namtanuyen_client, buudien):
    response = namtanuyen_client.post(f"/accounts/manage/{buudien.pk}/password-link/")
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

"""Wrong passwords lock the account (from any address) and the address (on any account).

django-axes counts the failures; config.lockout gives the address its own
limit and tells the locked-out clerk when the login opens again.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from config.lockout import current_lockouts

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(username, password="wrong-password", address="198.51.100.1", **headers):
    return Client(REMOTE_ADDR=address, **headers).post(LOGIN, {"username": username, "password": password})


def logs_in(response):
    return response.status_code == 302 and response.url == "/"


def test_the_right_password_logs_in():
    assert logs_in(attempt("namtanuyen", "demo1234"))


def test_eighty_wrong_passwords_from_twenty_addresses_lock_the_account(namtanuyen):
    for i in range(80):
        attempt("namtanuyen", address=f"203.0.113.{i % 20 + 1}")
    # The owner, from an address that never failed, is refused too: the account is locked.
    response = attempt("namtanuyen", "demo1234", address="192.0.2.77")
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()
    # Another account from one of those addresses is not affected (the address met 4 failures).
    assert logs_in(attempt("buudien", "demo1234", address="203.0.113.1"))


def test_the_fifth_wrong_password_locks_the_account_and_the_page_says_until_when():
    for _ in range(4):
        assert attempt("buudien").status_code == 200  # the form again, with its message
    before = timezone.now()
    locked = attempt("buudien")
    assert locked.status_code == 429
    unlocks_at = locked.context["unlocks_at"]
    # The cool-off (15 minutes) counts from the fifth failure.
    assert (
        before + timedelta(minutes=15) - timedelta(seconds=5)
        <= unlocks_at
        <= timezone.now() + timedelta(minutes=15)
    )
    text = locked.content.decode()
    assert f"{timezone.localtime(unlocks_at):%H:%M} ngày {timezone.localtime(unlocks_at):%d/%m/%Y}" in text
    # Retrying while locked neither gets in nor moves the time the page announced.
    again = attempt("buudien", "demo1234")
    assert again.status_code == 429
    assert again.context["unlocks_at"] == unlocks_at


def test_the_lock_ends_by_itself_after_the_cool_off():
    for _ in range(5):
        attempt("buudien")
    assert attempt("buudien", "demo1234").status_code == 429
    AccessAttempt.objects.filter(username="buudien").update(
        attempt_time=timezone.now() - timedelta(minutes=16)
    )
    assert logs_in(attempt("buudien", "demo1234"))


def test_clerks_behind_one_office_address_do_not_lock_each_other_with_a_few_typos():
    # Four typos each by four clerks of one office (one NAT address): 16 failures, below the
    # address limit (20), below each account's limit (5).
    for user in ["namtanuyen", "buudien", "soxaydung", "thuongvu"]:
        for _ in range(4):
            attempt(user, address="198.51.100.9")
    assert logs_in(attempt("vanphong", "demo1234", address="198.51.100.9"))


def test_twenty_wrong_passwords_on_many_accounts_lock_the_address():
    for i in range(20):
        attempt(f"guess{i}", address="198.51.100.66")
    refused = attempt("vanphong", "demo1234", address="198.51.100.66")
    assert refused.status_code == 429
    # The same account from elsewhere is not locked.
    assert logs_in(attempt("vanphong", "demo1234", address="198.51.100.67"))


def test_a_successful_login_clears_only_its_own_accounts_failures():
    for _ in range(4):
        attempt("namtanuyen", address="198.51.100.5")
    # A colleague at the same address logs in: namtanuyen's failures still count.
    assert logs_in(attempt("buudien", "demo1234", address="198.51.100.5"))
    assert attempt("namtanuyen", address="198.51.100.5").status_code == 429


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(20):
        # A client writing a new X-Forwarded-For each time is still one address.
        attempt(f"guess{i}", address="198.51.100.70", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert attempt("vanphong", "demo1234", address="198.51.100.70").status_code == 429


def test_behind_one_proxy_each_client_counts_by_the_address_the_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    for i in range(20):
        # The attacker forges the left part; nginx appends the address it really saw.
        attempt(f"guess{i}", address=proxy, HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 203.0.113.50")
    locked = attempt("vanphong", "demo1234", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert locked.status_code == 429
    # Another client behind the same proxy (same REMOTE_ADDR) logs in.
    assert logs_in(attempt("vanphong", "demo1234", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.51"))


def test_the_bloc_office_sees_the_lock_and_unlocks_the_account(office_client):
    for _ in range(5):
        attempt("namtanuyen")
    page = office_client.get("/accounts/manage/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "namtanuyen" in text and "Mở khóa" in text
    assert [(lock.kind, lock.key) for lock in current_lockouts()] == [("username", "namtanuyen")]
    office_client.post("/accounts/manage/unlock/", {"kind": "username", "key": "namtanuyen"})
    assert current_lockouts() == []
    assert logs_in(attempt("namtanuyen", "demo1234"))


def test_the_bloc_office_unlocks_an_address(office_client):
    for i in range(20):
        attempt(f"guess{i}", address="198.51.100.80")
    assert ("ip_address", "198.51.100.80") in [(lock.kind, lock.key) for lock in current_lockouts()]
    office_client.post("/accounts/manage/unlock/", {"kind": "ip_address", "key": "198.51.100.80"})
    assert logs_in(attempt("vanphong", "demo1234", address="198.51.100.80"))


def test_the_accounts_page_is_in_the_bloc_offices_menu(office_client):
    assert 'href="/accounts/manage/"' in office_client.get("/").content.decode()


@pytest.mark.parametrize("persona", ["namtanuyen_client", "standing_client"])
def test_only_the_bloc_office_opens_the_accounts_page_or_unlocks(request, persona):
    for _ in range(5):
        attempt("soxaydung")
    client = request.getfixturevalue(persona)
    assert client.get("/accounts/manage/").status_code == 403
    assert (
        client.post("/accounts/manage/unlock/", {"kind": "username", "key": "soxaydung"}).status_code == 403
    )
    assert attempt("soxaydung", "demo1234").status_code == 429

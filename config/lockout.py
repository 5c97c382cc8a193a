"""Login lockouts (django-axes): per account and per address, with the time each one ends.

Axes counts failures with one AccessAttempt row per (username, address,
browser); AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"] makes it read
two counters, the account's failures from any address and the address's
failures on any account. Axes compares both with one limit; this handler
gives the address its own, higher limit (AXES_ADDRESS_FAILURE_LIMIT), since
many clerks share an office's address.

Failures count while they are younger than the cool-off (AXES_COOLOFF_TIME),
so a lock ends when enough of the newest failures have aged out: the
`unlocks_at` below, which the lockout page shows.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from config import clock


def client_address(request) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE), trusting TRUSTED_PROXY_COUNT proxies.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For
    (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`), so the client is
    the n-th entry from the right; entries further left are whatever the client sent. With
    fewer entries than proxies (a request that bypassed them) the connection's address counts.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < count:
        return remote
    candidate = chain[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per account and another per address."""

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = self.get_user_attempts(request, credentials)
        account = _failures(by_account)
        if _failures(by_address) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # Axes compares the result with AXES_FAILURE_LIMIT: a locked address reaches it.
            return max(account, settings.AXES_FAILURE_LIMIT)
        return account

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login clears its own account's failures only: one clerk logging in
        must not wipe the failures someone else's account met from the same address."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


@dataclass(frozen=True)
class Lockout:
    kind: str  # "username" or "ip_address"
    key: str
    failures: int
    last_failure: datetime
    unlocks_at: datetime


def _unlock_time(attempts, limit: int) -> datetime | None:
    """When the failures still counting drop below `limit` (None if they are below it now)."""
    rows = list(attempts.order_by("-attempt_time").values_list("attempt_time", "failures_since_start"))
    total = 0
    for attempt_time, failures in rows:
        total += failures
        if total >= limit:
            return attempt_time + get_cool_off()
    return None


def _live(attempts):
    return attempts.filter(attempt_time__gt=clock.now() - get_cool_off())


def unlocks_at(username: str | None, address: str | None) -> datetime | None:
    """The moment a login as `username` from `address` is allowed again (None: not locked)."""
    times = []
    if username:
        times.append(
            _unlock_time(_live(AccessAttempt.objects.filter(username=username)), settings.AXES_FAILURE_LIMIT)
        )
    if address:
        times.append(
            _unlock_time(
                _live(AccessAttempt.objects.filter(ip_address=address)), settings.AXES_ADDRESS_FAILURE_LIMIT
            )
        )
    times = [t for t in times if t is not None]
    return max(times) if times else None


def current_lockouts() -> list[Lockout]:
    """Every account and address locked now, for the bloc office's accounts page."""
    found = []
    live = _live(AccessAttempt.objects.all())
    for kind, limit in (
        ("username", settings.AXES_FAILURE_LIMIT),
        ("ip_address", settings.AXES_ADDRESS_FAILURE_LIMIT),
    ):
        groups = (
            live.values(kind)
            .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(n__gte=limit)
        )
        for group in groups.order_by("-last"):
            if not group[kind]:
                continue
            until = _unlock_time(live.filter(**{kind: group[kind]}), limit)
            if until is not None:
                found.append(Lockout(kind, group[kind], group["n"], group["last"], until))
    return found


def unlock(kind: str, key: str) -> int:
    """The office lifts a lock: the failures counted against that account or address go."""
    if kind not in {"username", "ip_address"} or not key:
        return 0
    count, _ = AccessAttempt.objects.filter(**{kind: key}).delete()
    return count


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page, saying when the login opens again (AXES_LOCKOUT_CALLABLE)."""
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    until = unlocks_at(username, address)
    context = {
        "username": username or "",
        "unlocks_at": timezone.localtime(until) if until else None,
        "cooloff_minutes": int(get_cool_off().total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)

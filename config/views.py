from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config import clock


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not healthy"
        return f"unavailable ({exc.__class__.__name__})"
    return "ok"


def _broker() -> str:
    """The Celery broker answers a PING within a second; "eager" when none is configured."""
    if not settings.REDIS_URL:
        return "eager"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:  # refused, hung or unknown host: not ready
        return f"unavailable ({exc.__class__.__name__})"
    return "ok"


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """Liveness for a load balancer (is this process and its database answering?); with ?full=1,
    readiness: the broker, and the roll-up ledger's backlog (503 when a change has waited longer than
    READINESS_MAX_LAG_S to be settled). Reads no session and no user, so that a request carrying a
    session cookie gets the same answer while the database is down."""
    database = _database()
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "vendor": connection.vendor,
    }
    if request.GET.get("full") != "1":
        return JsonResponse(body, status=200 if database == "ok" else 503)
    from targets.ledger import backlog

    body["broker"] = _broker()
    ready = database == "ok" and body["broker"] in ("ok", "eager")
    if database == "ok":
        pending, oldest = backlog()
        lag = (clock.now() - oldest).total_seconds() if oldest else 0.0
        body["ledger"] = {
            "pending": pending,
            "oldest_age_s": round(lag, 1),
            "max_lag_s": settings.READINESS_MAX_LAG_S,
        }
        ready = ready and lag <= settings.READINESS_MAX_LAG_S
    body["status"] = "ok" if ready else "error"
    return JsonResponse(body, status=200 if ready else 503)

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordChangeView
from django.db import connection
from django.http import JsonResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from config import clock
from config.forms import PasswordChangeForm
from config.outage import current_exception, database_unavailable, is_database_error

logger = logging.getLogger(__name__)


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


@requires_csrf_token
@login_not_required
def server_error(request):
    """handler500: a database failure anywhere in the request (a middleware loading the
    session included) gets the 503 page of config.outage; anything else the plain 500 page."""
    if is_database_error(current_exception()):
        return database_unavailable(request)
    return defaults.server_error(request)


class PasswordChange(PasswordChangeView):
    """Every user changes their own password here (linked from the top bar); Django keeps the
    session signed in after the change."""

    form_class = PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("targets:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response

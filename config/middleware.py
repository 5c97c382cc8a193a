import logging

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from config import clock
from config.outage import database_unavailable, is_api, is_database_error, track_commits

logger = logging.getLogger(__name__)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose another language with the footer switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    many office computers run an English Windows; the offices expect the
    Vietnamese screens whatever the browser says.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than the largest allowed upload, before anything reads it.

    The limit is the larger of EVIDENCE_MAX_MB and PLAN_MAX_MB plus the form's other fields
    (DATA_UPLOAD_MAX_MEMORY_SIZE). It stands before CsrfViewMiddleware, the first to read
    request.POST. Django reads a body through a LimitedStream of CONTENT_LENGTH bytes: a body
    longer than it says is cut there, and one without a length (chunked) is read as empty, so
    the declared length checked here bounds what any request can make the server read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = request_size_limit()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty
        if length > limit:
            if is_api(request):
                return JsonResponse(
                    {
                        "detail": f"Yêu cầu vượt quá {max(settings.EVIDENCE_MAX_MB, settings.PLAN_MAX_MB)} MB nên không được nhận; không có gì được lưu."
                    },
                    status=413,
                    json_dumps_params={"ensure_ascii": False},
                )
            return render(
                request,
                "413.html",
                {"max_mb": max(settings.EVIDENCE_MAX_MB, settings.PLAN_MAX_MB)},
                status=413,
            )
        return self.get_response(request)


def request_size_limit() -> int:
    return (
        max(settings.EVIDENCE_MAX_MB, settings.PLAN_MAX_MB) * 1_048_576 + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's, asking the view first: a page open to all (the health check) never loads the
    session, so it answers the same with the database down whether or not a cookie came with it."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class DatabaseOutageMiddleware:
    """A database failure in a view answers 503 saying whether anything was saved (config.outage).

    Failures outside the views (a middleware loading the session) reach the 500 handler,
    config.views.server_error, which gives the same page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return track_commits(request, self.get_response)

    def process_exception(self, request, exception):
        if is_database_error(exception):
            logger.error(
                "database unavailable during %s %s", request.method, request.path, exc_info=exception
            )
            return database_unavailable(request)
        return None


class SessionIdleMiddleware:
    """Renews a signed-in session's expiry (SESSION_COOKIE_AGE) at most once a minute.

    Saving the session on every request would write to the database on every page; once a
    minute is enough for an idle timeout counted in tens of minutes.
    """

    KEY = "_renewed_at"
    EVERY_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only where the page itself read the session: /healthz and the static pages never touch the
        # database for it (a load balancer's probe with a stale cookie still gets its 503, not a 500).
        if request.session.accessed and request.user.is_authenticated:
            now = int(clock.now().timestamp())
            if now - request.session.get(self.KEY, 0) >= self.EVERY_SECONDS:
                request.session[self.KEY] = now
        return response


@receiver(user_logged_in)
def stamp_session_renewal(sender, request, user, **kwargs):
    """A new session is fresh: the first pages after login need not renew it."""
    if request is not None and hasattr(request, "session"):
        request.session[SessionIdleMiddleware.KEY] = int(clock.now().timestamp())

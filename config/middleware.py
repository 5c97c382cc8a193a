import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation

from config import clock
from config.outage import database_unavailable, is_database_error, track_commits
from config.passwords import MUST_CHANGE_PASSWORD

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
        if request.user.is_authenticated:
            now = int(clock.now().timestamp())
            if now - request.session.get(self.KEY, 0) >= self.EVERY_SECONDS:
                request.session[self.KEY] = now
        return self.get_response(request)


@receiver(user_logged_in)
def stamp_session_renewal(sender, request, user, **kwargs):
    """A new session is fresh: the first pages after login need not renew it."""
    if request is not None and hasattr(request, "session"):
        request.session[SessionIdleMiddleware.KEY] = int(clock.now().timestamp())


class PasswordChangeRequiredMiddleware:
    """After the bloc office set a temporary password, every page leads to the password change
    until the user chose their own (the flag is put in the session at login: no query per request)."""

    ALLOWED = ("password_change", "password_change_done", "logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and request.session.get(MUST_CHANGE_PASSWORD)
            and not request.path.startswith(settings.STATIC_URL)
        ):
            match = _resolve(request.path_info)
            if match is None or match.url_name not in self.ALLOWED:
                return redirect("password_change")
        return self.get_response(request)


def _resolve(path):
    try:
        return resolve(path)
    except Resolver404:
        return None

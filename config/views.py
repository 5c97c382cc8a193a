import logging

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

from config.forms import PasswordChangeForm
from config.outage import current_exception, database_unavailable, is_database_error
from config.passwords import password_changed_by_user

logger = logging.getLogger(__name__)


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """Liveness for load balancers and the newcomer check: is the database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not healthy"
        return JsonResponse(
            {"status": "error", "database": "unavailable", "detail": exc.__class__.__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


@requires_csrf_token
@login_not_required
def server_error(request):
    """handler500: a database failure anywhere in the request (a middleware loading the
    session included) gets the 503 page of config.outage; anything else the plain 500 page."""
    if is_database_error(current_exception()):
        return database_unavailable(request)
    return defaults.server_error(request)


class PasswordChange(PasswordChangeView):
    """Every user changes their own password here (linked from the top bar); after the bloc
    office set a temporary password, the user is led here until they chose their own."""

    form_class = PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("targets:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed_by_user(self.request, form.user)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response

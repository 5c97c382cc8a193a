"""Passwords: each user changes their own; the bloc office may set a temporary one.

A temporary password is known to the office that typed it, so the user must
replace it at the next login (config.middleware.PasswordChangeRequiredMiddleware
leads every page there) and the reset is recorded (config.models.PasswordReset).
"""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from config import clock
from config.models import PasswordReset

MUST_CHANGE_PASSWORD = "must_change_password"


def set_temporary_password(*, user, password: str, by) -> PasswordReset:
    """The office sets `password` for `user`; the user's sessions end (their password hash
    changed) and the next login must choose a new password."""
    user.set_password(password)
    user.save(update_fields=["password"])
    return PasswordReset.objects.create(user=user, set_by=by, set_at=clock.now())


def password_changed_by_user(request, user) -> None:
    """The user chose their own password: close any open reset and keep them signed in."""
    PasswordReset.objects.filter(user=user, changed_at__isnull=True).update(changed_at=clock.now())
    request.session.pop(MUST_CHANGE_PASSWORD, None)
    update_session_auth_hash(request, user)


@receiver(user_logged_in)
def flag_temporary_password(sender, request, user, **kwargs):
    if request is not None and PasswordReset.objects.filter(user=user, changed_at__isnull=True).exists():
        request.session[MUST_CHANGE_PASSWORD] = True

"""Accounts: the bloc office's page (lift login lockouts, send a password link), and passwords.

Nobody chooses, sees or hands over another person's password.

Whoever knows a password acts as its holder: could enter a unit's figures as
its clerk and then approve them as the office, with the history naming the
wrong person. So an administrator (the bloc office, or whoever manages
accounts) never sets a password for someone else:

- a new account has no usable password;
- "reset" removes the current password at once (every open session of the
  account ends with it: Django ties sessions to the password hash);

and either way the person gets a one-time link, at the e-mail address on their
own account, to choose a password themselves. The link works once, dies as
soon as a password is set, and expires after PASSWORD_RESET_TIMEOUT (3 days);
the administrator never sees it. A temporary password to be changed at next
login would not do: the administrator could log in first with it and choose
the next one himself. Administrators other than superusers cannot change
another person's e-mail address (where the link goes) nor anyone's admin
rights (tests/test_admin.py).
"""

import logging
import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.lockout import current_lockouts, unlock
from config.refusals import Refused
from units.access import Action, is_bloc_office, units_for

log = logging.getLogger(__name__)


def send_password_link(user, *, request, invitation: bool = False) -> None:
    """Remove the account's password and e-mail its holder a one-time link to choose one.

    Refused (nothing changed) when the account has no e-mail address. When the
    mail cannot be sent the password stays removed (whoever knew it is locked
    out) and the refusal says to send the link again.
    """
    if not user.email:
        raise Refused(
            _("Tài khoản “%(user)s” chưa có địa chỉ e-mail nên không gửi được liên kết đặt mật khẩu.")
            % {"user": user.get_username()}
        )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    token = default_token_generator.make_token(user)  # made after the change: it dies with the next one
    path = reverse(
        "password_reset_confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": token},
    )
    context = {
        "user": user,
        "link": request.build_absolute_uri(path),
        "invitation": invitation,
        "site_name": settings.SITE_NAME,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    subject = _("Tạo mật khẩu đăng nhập") if invitation else _("Đặt lại mật khẩu đăng nhập")
    try:
        send_mail(
            f"{subject} · {settings.SITE_NAME}",
            render_to_string("registration/password_link_email.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("password link for %s not sent: %s", user.get_username(), exc)
        raise Refused(
            _(
                "Đã vô hiệu mật khẩu cũ của “%(user)s” nhưng chưa gửi được thư (%(why)s); hãy gửi lại "
                "liên kết sau khi kiểm tra cấu hình e-mail."
            )
            % {"user": user.get_username(), "why": exc.__class__.__name__}
        ) from None


def _require_office(user):
    if not is_bloc_office(user):
        raise PermissionDenied


def _accounts(office):
    return (
        get_user_model()
        .objects.filter(memberships__unit__in=units_for(office, Action.VIEW), is_superuser=False)
        .exclude(pk=office.pk)
        .distinct()
    )


def accounts(request):
    _require_office(request.user)
    users = list(_accounts(request.user).prefetch_related("memberships__unit").order_by("username"))
    return render(request, "units/accounts.html", {"lockouts": current_lockouts(), "users": users})


@require_POST
def account_unlock(request):
    _require_office(request.user)
    kind, key = request.POST.get("kind", ""), request.POST.get("key", "").strip()
    if unlock(kind, key):
        messages.success(request, _("Đã mở khóa đăng nhập cho %(key)s.") % {"key": key})
    else:
        messages.info(request, _("%(key)s không còn bị khóa.") % {"key": key})
    return redirect("accounts:list")


@require_POST
def account_password_link(request, pk: int):
    """The office sends a user who forgot their password a one-time link; it never sets one itself."""
    _require_office(request.user)
    user = _accounts(request.user).filter(pk=pk).first()
    if user is None:
        raise Http404("no such account")
    try:
        send_password_link(user, request=request)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        unlock("username", user.get_username())
        messages.success(
            request,
            _("Đã gửi liên kết đặt lại mật khẩu tới %(email)s; mật khẩu cũ của %(user)s không còn dùng được.")
            % {"email": user.email, "user": user.get_username()},
        )
    return redirect("accounts:list")

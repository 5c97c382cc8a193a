"""The bloc office's accounts page: lift login lockouts, set a temporary password.

Only the bloc office opens it (units.access). A user it may act on holds a
role in a unit the office sees and is not a superuser; the office's own
password is changed on the ordinary password change page.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.lockout import current_lockouts, unlock
from config.models import PasswordReset
from config.passwords import set_temporary_password
from units.access import Action, is_bloc_office, units_for


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
    open_resets = set(
        PasswordReset.objects.filter(user__in=users, changed_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    return render(
        request,
        "units/accounts.html",
        {"lockouts": current_lockouts(), "users": users, "open_resets": open_resets},
    )


@require_POST
def account_unlock(request):
    _require_office(request.user)
    kind, key = request.POST.get("kind", ""), request.POST.get("key", "").strip()
    if unlock(kind, key):
        messages.success(request, _("Đã mở khóa đăng nhập cho %(key)s.") % {"key": key})
    else:
        messages.info(request, _("%(key)s không còn bị khóa.") % {"key": key})
    return redirect("accounts:list")


def account_password(request, pk: int):
    _require_office(request.user)
    user = _accounts(request.user).filter(pk=pk).first()
    if user is None:
        raise Http404("no such account")
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            set_temporary_password(user=user, password=form.cleaned_data["new_password1"], by=request.user)
            unlock("username", user.get_username())
        messages.success(
            request,
            _(
                "Đã đặt mật khẩu tạm cho %(user)s. Hãy báo cho người dùng; khi đăng nhập lần sau "
                "họ phải đổi sang mật khẩu của riêng mình."
            )
            % {"user": user.get_username()},
        )
        return redirect("accounts:list")
    return render(request, "units/account_password.html", {"account": user, "form": form})

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordReset(models.Model):
    """A temporary password the bloc office set for a user (config.passwords).

    Open (changed_at empty) until the user chooses their own password; while
    open, the user is led to the password change page after logging in. Kept
    afterwards as the record of who reset whose password when.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_resets"
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người đặt")
    )
    set_at = models.DateTimeField(_("lúc đặt"))
    changed_at = models.DateTimeField(_("người dùng đã đổi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("mật khẩu tạm")
        verbose_name_plural = _("mật khẩu tạm")
        ordering = ["-set_at"]

    def __str__(self):
        return f"{self.user} ({self.set_at:%d/%m/%Y %H:%M})"

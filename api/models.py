"""Personal API tokens: a user's named keys for programs that read and send figures in their name.

Kept in an app of their own (`api/`) rather than in units/ or config/: a token is
only how the API recognises a caller, it grants nothing by itself (the holder's
roles, through units.access, decide everything), and units/ stays the tree and
the access rules. Only a SHA-256 of the key is stored; the key itself is shown
once, when it is created. A random key of 32 bytes needs no salt or slow hash:
there is nothing to guess from a dictionary.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# What every key starts with, so that a key pasted in the wrong place is recognisable.
KEY_PREFIX = "rt_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("người dùng"),
    )
    name = models.CharField(_("tên khóa"), max_length=80)
    key_hash = models.CharField(_("mã băm SHA-256 của khóa"), max_length=64, unique=True)
    # The first characters of the key, shown in the list so that its holder can tell keys apart.
    hint = models.CharField(_("đầu khóa"), max_length=12)
    created_at = models.DateTimeField(_("tạo lúc"))
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="api_token_unique_name_per_user")
        ]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def new_key() -> str:
        return KEY_PREFIX + secrets.token_urlsafe(32)

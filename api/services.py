"""Creating and revoking personal API tokens (the token page calls these)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from api.models import ApiToken, hash_key
from config import clock
from config.refusals import Refused

MAX_TOKENS_PER_USER = 20  # more than any program a unit runs; a runaway script cannot fill the table


@transaction.atomic
def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; returns it and the key, which is never stored nor shown again."""
    name = (name or "").strip()
    if not name:
        raise Refused.on("name", _("Cần đặt tên cho khóa, ví dụ “Phần mềm quản lý đảng viên”."))
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise Refused.on("name", _("Anh/chị đã có một khóa tên này; hãy đặt tên khác."))
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise Refused.on(
            "name",
            _("Mỗi người dùng có tối đa %(n)s khóa; hãy thu hồi khóa không dùng nữa.")
            % {"n": MAX_TOKENS_PER_USER},
        )
    key = ApiToken.new_key()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user, name=name, key_hash=hash_key(key), hint=key[:8], created_at=clock.now()
            )
    except IntegrityError:  # the same name sent twice at once
        raise Refused.on("name", _("Anh/chị đã có một khóa tên này; hãy đặt tên khác.")) from None
    return token, key


def token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there is none such (revoked already)."""
    deleted, _rows = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0

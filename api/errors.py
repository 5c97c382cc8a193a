"""Every error the API answers is JSON of one shape: a sentence, and the messages per input.

    {"detail": "Số liệu chưa hợp lệ; chưa lưu gì. Xem các lỗi bên dưới.",
     "errors": {"entries.CT06.value": ["phải là số nguyên không âm"]}}

A service's refusal (config.refusals.Refused) answers 400 with the words the
screens use; a unit the caller may not see answers 404 like the screens, one
they see but may not change 403. Nothing here ever answers 500 for bad input.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.refusals import Refused

NOT_FOUND = _("Không tìm thấy.")


def flatten(data, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error data as {"a.b": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = "" if key == "non_field_errors" else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for k, v in flatten(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(data, list) and all(isinstance(x, str) for x in data):
        out.setdefault(prefix, []).extend(str(x) for x in data)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            for k, v in flatten(value, f"{prefix}.{i}" if prefix else str(i)).items():
                out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix, []).append(str(data))
    return {k: v for k, v in out.items() if v}


def refusal_errors(refused: Refused) -> dict[str, list[str]]:
    """A refusal's field errors, a report's rows named by their target's code."""
    from targets.models import Target

    codes = dict(
        Target.objects.filter(pk__in={e.target_id for e in refused.errors if e.target_id}).values_list(
            "pk", "code"
        )
    )
    out: dict[str, list[str]] = {}
    for error in refused.errors:
        path = error.field
        if error.target_id:
            path = f"entries.{codes.get(error.target_id, error.target_id)}.{error.field}"
        out.setdefault(path, []).append(str(error.message))
    return out


def body(detail, errors=None) -> dict:
    return {"detail": str(detail), "errors": errors or {}}


def handler(exc, context):
    if isinstance(exc, Refused):
        return Response(body(exc.message, refusal_errors(exc)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, exceptions.PermissionDenied) and "CSRF" in str(exc.detail):
        exc = exceptions.PermissionDenied(
            _(
                "Thiếu hoặc sai mã CSRF: khi gọi bằng phiên đăng nhập của trình duyệt, gửi kèm tiêu đề "
                "X-CSRFToken (hoặc dùng khóa API)."
            )
        )
    elif isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        exc = exceptions.PermissionDenied(_("Anh/chị không có quyền thực hiện thao tác này."))
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(_("Nội dung gửi lên không đọc được: cần JSON hợp lệ (UTF-8)."))
    elif isinstance(exc, exceptions.NotAuthenticated):
        exc = exceptions.NotAuthenticated(
            _("Cần đăng nhập, hoặc gửi khóa API trong tiêu đề Authorization: Bearer <khóa>.")
        )
    elif isinstance(exc, exceptions.Throttled):
        exc = exceptions.Throttled(
            exc.wait, _("Quá nhiều lệnh gọi trong thời gian ngắn; hãy thử lại sau ít phút.")
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = body(
            _("Dữ liệu gửi lên chưa hợp lệ; chưa lưu gì. Xem các lỗi bên dưới."), flatten(data)
        )
    elif isinstance(data, dict) and "detail" in data:
        response.data = body(data["detail"])
    else:
        response.data = body(_("Yêu cầu không hợp lệ."), flatten(data))
    return response

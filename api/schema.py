"""The OpenAPI schema declares every error an endpoint can answer, in the one shape of api.errors."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema

from api.serializers import ErrorSerializer

ERRORS = {
    "400": _("Dữ liệu gửi lên chưa hợp lệ, hoặc bị từ chối theo quy tắc nghiệp vụ (lời như trên màn hình)."),
    "401": _("Chưa đăng nhập, hoặc khóa API không hợp lệ."),
    "403": _("Anh/chị thấy đơn vị này nhưng không có quyền thực hiện thao tác."),
    "404": _("Không tìm thấy, hoặc anh/chị không được xem đơn vị này."),
    "405": _("Phương thức không được hỗ trợ."),
    "406": _("Chỉ trả lời JSON."),
    "415": _("Nội dung gửi lên phải là JSON."),
    "429": _("Quá nhiều lệnh gọi trong thời gian ngắn."),
}
WRITE_ONLY_ERRORS = {"415"}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            if code in WRITE_ONLY_ERRORS and self.method == "GET":
                continue
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = str(description)
                responses[code] = response
        return responses

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """?page=2&page_size=100 (at most MAX); a page past the end answers 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = _("Không có trang này.")
    page_query_description = _("Số trang (từ 1).")
    page_size_query_description = _("Số dòng mỗi trang (mặc định 50, tối đa 500).")

"""/api/…: JSON endpoints, their OpenAPI schema and documentation page; /accounts/tokens/: the token page.

The JSON endpoints answer for themselves who is calling (a token or the session,
api.authentication) with 401 rather than the login page: they are exempt from
the site's LoginRequiredMiddleware (DRF marks its views so; `open_to_tokens` says it here). The documentation page is a page of the site
like any other, behind the login.
"""

from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import targets.urls  # noqa: F401 - registers the "quarter" path converter (2025-q2)
from api import pages, views

app_name = "api"


class IdConverter:
    """A row id that fits a 64-bit integer: a longer one is no address (JSON 404), not a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "row_id")


def open_to_tokens(view):
    """A JSON endpoint: no redirect to the login page, DRF answers 401 itself."""
    return login_not_required(view)


endpoints = [
    ("units/", views.UnitList, "units"),
    ("units/<slug:code>/", views.UnitDetail, "unit"),
    ("units/<slug:code>/figures/", views.Figures, "figures"),
    ("units/<slug:code>/completeness/", views.Completeness, "completeness"),
    ("congresses/", views.CongressList, "congresses"),
    ("congresses/<row_id:pk>/", views.CongressDetail, "congress"),
    ("resolutions/", views.ResolutionList, "resolutions"),
    ("resolutions/<row_id:pk>/", views.ResolutionDetail, "resolution"),
    ("targets/", views.TargetList, "targets"),
    ("targets/<row_id:pk>/", views.TargetDetail, "target"),
    ("quotas/", views.QuotaList, "quotas"),
    ("reports/", views.ReportList, "reports"),
    ("reports/<slug:code>/<quarter:period>/", views.ReportDetail, "report"),
    ("reports/<slug:code>/<quarter:period>/history/", views.ReportHistory, "report_history"),
    ("reports/<slug:code>/<quarter:period>/entries/", views.ReportEntries, "report_entries"),
    ("reports/<slug:code>/<quarter:period>/submit/", views.ReportSubmit, "report_submit"),
    ("reports/<slug:code>/<quarter:period>/approve/", views.ReportApprove, "report_approve"),
    ("reports/<slug:code>/<quarter:period>/return/", views.ReportReturn, "report_return"),
]

urlpatterns = [
    path(f"api/{route}", open_to_tokens(view.as_view()), name=name) for route, view, name in endpoints
] + [
    path("api/schema/", open_to_tokens(SpectacularAPIView.as_view()), name="schema"),
    path(
        "api/docs/",
        # A page of the site: the login page first (DRF views are otherwise exempt from the middleware).
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema", title="API – Tài liệu")),
        name="docs",
    ),
    path("accounts/tokens/", pages.tokens, name="tokens"),
    # Any other address under /api/ answers JSON too, not the site's HTML page.
    re_path(r"^api/", open_to_tokens(views.not_found), name="not_found"),
]

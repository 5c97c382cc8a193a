from django.urls import path, register_converter

from targets import views
from targets.periods import PeriodConverter

app_name = "targets"
register_converter(PeriodConverter, "quarter")

report = "reports/<slug:code>/<quarter:period>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("resolution/", views.resolution, name="resolution"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("dashboard/<slug:code>/", views.dashboard, name="dashboard_unit"),
    path("dashboard/<slug:code>/export.xlsx", views.dashboard_export, name="dashboard_unit_export"),
    path("unit-targets/", views.unit_targets_overview, name="unit_targets_overview"),
    path("units/<slug:code>/targets/", views.unit_targets, name="unit_targets"),
    path("units/<slug:code>/targets/proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("reports/summary/", views.summary_index, name="summary_index"),
    path("reports/summary/<slug:code>/<str:period>.docx", views.summary_docx, name="summary_docx"),
    path("plans/<slug:code>/template.docx", views.plan_template_docx, name="plan_template"),
    path("reports/", views.report_list, name="reports"),
    path(report, views.report_detail, name="report"),
    path(report + "review/", views.report_review, name="report_review"),
    path(report + "reopen/", views.report_reopen_view, name="report_reopen"),
    path(report + "template.xlsx", views.report_template, name="report_template"),
    path(report + "upload/", views.report_upload, name="report_upload"),
    path(report + "upload/confirm/", views.report_upload_confirm, name="report_upload_confirm"),
    path(report + "files/", views.attachment_upload, name="attachment_upload"),
    path(report + "files/<int:pk>/", views.attachment_download, name="attachment_download"),
    path(report + "files/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]

from django.urls import path, register_converter

from targets.periods import PeriodConverter
from targets.views import (
    dashboards,
    documents,
    home,
    notifications,
    reorganisation,
    report_files,
    reports,
    unit_targets,
)

app_name = "targets"
register_converter(PeriodConverter, "quarter")

report = "reports/<slug:code>/<quarter:period>/"

urlpatterns = [
    path("", home.home, name="home"),
    path("resolution/", home.resolution, name="resolution"),
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", dashboards.dashboard_export, name="dashboard_export"),
    path("dashboard/brief/", dashboards.brief, name="brief"),
    path("dashboard/<slug:code>/", dashboards.dashboard, name="dashboard_unit"),
    path("dashboard/<slug:code>/brief/", dashboards.brief, name="brief_unit"),
    path("dashboard/<slug:code>/export.xlsx", dashboards.dashboard_export, name="dashboard_unit_export"),
    path("unit-targets/", unit_targets.unit_targets_overview, name="unit_targets_overview"),
    path("units/<slug:code>/targets/", unit_targets.unit_targets, name="unit_targets"),
    path("units/<slug:code>/targets/proposals/<int:pk>/", unit_targets.proposal_detail, name="proposal"),
    path("reports/summary/", documents.summary_index, name="summary_index"),
    path("reports/summary/<slug:code>/<str:period>.docx", documents.summary_docx, name="summary_docx"),
    path("plans/<slug:code>/template.docx", documents.plan_template_docx, name="plan_template"),
    path("reorganisation/", reorganisation.index, name="reorg_index"),
    path("reorganisation/new/<slug:kind>/", reorganisation.record, name="reorg_record"),
    path("reorganisation/<int:pk>/", reorganisation.event_detail, name="reorg_event"),
    path("reorganisation/<int:pk>/quotas/", reorganisation.quotas, name="reorg_quotas"),
    path("terms/", reorganisation.terms, name="terms"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
    path("notifications/read/", notifications.notification_read_all, name="notifications_read"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/<slug:code>/archive/", reports.report_archive, name="report_archive"),
    path(report, reports.report_detail, name="report"),
    path(report + "review/", reports.report_review, name="report_review"),
    path(report + "reopen/", reports.report_reopen_view, name="report_reopen"),
    path(report + "template.xlsx", report_files.report_template, name="report_template"),
    path(report + "upload/", report_files.report_upload, name="report_upload"),
    path(report + "upload/confirm/", report_files.report_upload_confirm, name="report_upload_confirm"),
    path(report + "files/", report_files.attachment_upload, name="attachment_upload"),
    path(report + "files/<int:pk>/", report_files.attachment_download, name="attachment_download"),
    path(report + "files/<int:pk>/delete/", report_files.attachment_delete, name="attachment_delete"),
]

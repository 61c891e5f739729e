from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("recommendations/", views.item_list, name="list"),
    path("recommendations/<int:pk>/", views.item, name="item"),
    path("recommendations/<int:pk>/history/", views.item_history, name="history"),
    path("recommendations/<int:pk>/history.csv", views.item_history_csv, name="history_csv"),
    path("recommendations/<int:pk>/print/", views.item_print, name="item_print"),
    path("recommendations/<int:pk>/portal-page.txt", views.portal_page, name="portal_page"),
    path("recommendations/<int:pk>/<slug:action>/", views.item_action, name="action"),
    path("reports/", views.reports, name="reports"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/<slug:slug>/", views.report, name="report"),
    path("reports/<slug:slug>/print/", views.report_print, name="report_print"),
    path("reports/<slug:slug>/findings/new/", views.finding_new, name="finding_new"),
]
urlpatterns += [
    path("recommendations/export.csv", views.export_csv, name="export_csv"),
    path("recommendations/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("recommendations/reports.json", views.reports_json, name="reports_json"),
]
urlpatterns += [
    path("imports/", views.import_pages, name="import"),
    path("imports/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<uuid:pk>/", views.import_status, name="import_status"),
]
urlpatterns += [
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("findings/<int:pk>/export.csv", views.finding_export, name="finding_export"),
    path("bulk/", views.bulk, name="bulk"),
    path("forces/<slug:slug>/liaison-lead/", views.force_lead, name="force_lead"),
    path("bulk/result/", views.bulk_result, name="bulk_result"),
]

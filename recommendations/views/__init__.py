"""Views by use case. Each parses input with a form and calls one service or selector;
no rules live here."""

from .bulk import bulk, bulk_result
from .dashboard import dashboard
from .findings import finding, finding_export
from .forces import force_lead
from .imports import import_confirm, import_pages, import_status
from .items import item, item_action, item_history, item_history_csv, portal_page
from .listing import export_csv, export_xlsx, item_list, reports_json
from .printing import item_print, report_print
from .reports import finding_new, report, report_new, reports

__all__ = [
    "bulk",
    "bulk_result",
    "finding",
    "finding_export",
    "dashboard",
    "export_csv",
    "export_xlsx",
    "finding_new",
    "force_lead",
    "import_confirm",
    "import_pages",
    "import_status",
    "item",
    "item_action",
    "item_history",
    "item_history_csv",
    "reports_json",
    "item_list",
    "item_print",
    "portal_page",
    "report",
    "report_new",
    "report_print",
    "reports",
]

"""Views by use case. Each parses input with a form and calls one service or selector;
no rules live here."""

from .dashboard import dashboard
from .imports import import_confirm, import_pages, import_status
from .items import item, item_action, item_history, portal_page
from .listing import export_csv, export_xlsx, item_list
from .reports import finding_new, report, report_new, reports

__all__ = [
    "dashboard",
    "export_csv",
    "export_xlsx",
    "finding_new",
    "import_confirm",
    "import_pages",
    "import_status",
    "item",
    "item_action",
    "item_history",
    "item_list",
    "portal_page",
    "report",
    "report_new",
    "reports",
]

"""Every change to tracked items, one function per use case, in modules by use case.

Each service locks the item row, asks the policy once after the lock, writes the item,
its timeline entry and the history reason in one transaction, and queues follow-up work
on commit. The item's `status` is written here and nowhere else, always with a status
entry, so the current status is always the latest status entry. Every door (pages,
imports, the API, tasks, the shell) calls these functions, and nothing else writes.
"""

from .closure import (
    closure_authorise,
    closure_propose,
    closure_return,
    closure_withdraw,
    item_reopen,
)
from .common import (
    CLOSING_STATUSES,
    COMMENT_MAX_LENGTH,
    CONTROL_CHARACTERS,
    Actor,
    action_refusal,
    append_entry,
    history_user,
    lock_item,
    save_item,
    save_with_history,
    search_refresh,
)
from .imports import (
    IMPORTED_AUTHOR,
    ImportedEntry,
    finding_for_page,
    import_problems,
    item_import_create,
    timeline_import,
)
from .items import (
    comment_add,
    entry_welsh_add,
    force_lead_assign,
    leads_for,
    liaison_lead_assign,
    no_further_action,
    owner_set,
    review_target,
    status_change,
)
from .recheck import recheck_confirm
from .reports import FindingInput, findings_issue, item_create, report_publish

__all__ = [
    "CLOSING_STATUSES",
    "COMMENT_MAX_LENGTH",
    "CONTROL_CHARACTERS",
    "IMPORTED_AUTHOR",
    "Actor",
    "FindingInput",
    "ImportedEntry",
    "action_refusal",
    "append_entry",
    "closure_authorise",
    "closure_propose",
    "closure_return",
    "closure_withdraw",
    "comment_add",
    "entry_welsh_add",
    "finding_for_page",
    "force_lead_assign",
    "findings_issue",
    "history_user",
    "import_problems",
    "item_create",
    "item_import_create",
    "item_reopen",
    "leads_for",
    "liaison_lead_assign",
    "lock_item",
    "no_further_action",
    "owner_set",
    "recheck_confirm",
    "report_publish",
    "save_item",
    "save_with_history",
    "search_refresh",
    "review_target",
    "status_change",
    "timeline_import",
]

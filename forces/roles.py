"""The one table of roles: each role's slug (as `add_user --role` takes it), its group,
the permissions the group holds, the scope it needs, and the words people use for it.

The policy reads permissions (never group names), `add_user` and `forces.users` read
the scope kinds, the reminders and notifications find people through
`forces.selectors`, which ask by permission, and the tests derive their expectations
from this table. Migration 0002 of `recommendations` holds a frozen copy of the
permissions, as a migration must, and later migrations grant what came after it
(`record_response`, in `0014_pcc_response`); a test checks that they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ScopeKind = Literal["one-force", "forces", "region", "all"]


@dataclass(frozen=True)
class RoleSpec:
    slug: str
    group: str
    permissions: tuple[str, ...]
    scope: ScopeKind
    words: str
    """How people name the role in a sentence: "liaison lead"."""


# Every permission an administrator holds: all but `reopen_item` and `view_police_force`
# (an administrator reads every force already). Reopening a closed
# item mirrors authorising its closure, which is never an administrator's decision.
ALL_PERMISSIONS = (
    "view_all_forces",
    "act_for_all_forces",
    "add_progress_update",
    "comment_on_item",
    "review_item",
    "propose_closure",
    "authorise_closure",
    "publish_report",
    "import_portal_pages",
    "record_response",
    "manage_monitoring_stage",
    "update_plan_action",
)

ROLES: dict[str, RoleSpec] = {
    spec.slug: spec
    for spec in (
        RoleSpec(
            "liaison-officer",
            "Force liaison officer",
            ("add_progress_update", "update_plan_action"),
            "one-force",
            "liaison officer",
        ),
        RoleSpec(
            "liaison-lead",
            "Force liaison lead",
            (
                "comment_on_item",
                "review_item",
                "propose_closure",
                "import_portal_pages",
                "record_response",
            ),
            "forces",
            "liaison lead",
        ),
        RoleSpec(
            "chief-of-staff",
            "Regional chief of staff",
            ("authorise_closure", "reopen_item"),
            "region",
            "chief of staff",
        ),
        RoleSpec(
            "inspector",
            "Inspector",
            ("view_all_forces", "reopen_item", "manage_monitoring_stage"),
            "all",
            "inspector",
        ),
        # A police and crime commissioner's office (OPCC): acts for its PCC office as a
        # recipient (progress updates on what is addressed to the PCC), writes the s.55
        # response to each report about its force, and reads that force's items.
        RoleSpec(
            "pcc-office",
            "PCC office",
            ("add_progress_update", "record_response", "view_police_force"),
            "one-force",
            "PCC office",
        ),
        RoleSpec("admin", "Administrator", ALL_PERMISSIONS, "all", "administrator"),
    )
}

# The permission that marks a person as holding a role for the forces or region in
# their scope (administrators hold them all, but have no scope of forces or region).
OFFICER_PERMISSION = "add_progress_update"
LEAD_PERMISSION = "propose_closure"
CHIEF_PERMISSION = "authorise_closure"
# The permission that lets a PCC office read the items of the police force it serves.
PCC_PERMISSION = "view_police_force"


def role(slug: str) -> RoleSpec:
    return ROLES[slug]

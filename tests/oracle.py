"""The permission oracle: who may do what, written out by hand from the domain
(`shared/domain.md`), for the matrix tests of the pages, bulk and the API to compare the
running portal with. It imports nothing of the portal's: if a row of the policy is
changed by mistake, the portal and this table disagree and the matrix fails.

Scopes are seen from the person: `own` is a force they act for (for a chief of staff, a
force of their region), `same-region` another force of the same region, `other-region`
a force elsewhere. The people are those of `tests.conftest.PEOPLE`: the officer and the
lead act for Gloucestershire; the chief of staff for the South West; and the PCC office
(`pcc-office`) for the Gloucestershire police and crime commissioner's office, which
serves Gloucestershire: its `own` is the police force it serves, whose items it reads
(and whose PCC response it writes) without acting on them.

Recipients beyond the police forces (issue 28, ADR 0016):

- `own-pcc-office`: the Gloucestershire PCC office's own items (findings addressed to the
  PCC), seen from the same people: the PCC office acts on them; it is a recipient of
  the South West, so that region's chief of staff decides their closure.
- `own-recipient`, `same-group`, `other-group`: a national body's items, seen from the
  national people of `tests.recommendations.test_permissions.NATIONAL_PEOPLE`: the
  officer and the lead act for the College of Policing (`own-recipient`), the chief of
  staff for the National region (which holds the national bodies: the NPCC is
  `same-group`); `other-group` is Gloucestershire, a police force outside it. The PCC
  office there is still Gloucestershire's, so `other-group` is the force it serves.
"""

from __future__ import annotations

# The roles and force scopes of the first matrices (the SCIM and sign-in matrices use
# these); ALL_ROLES and ALL_SCOPES add the PCC office and the recipients beyond forces.
ROLES = ("liaison-officer", "liaison-lead", "chief-of-staff", "inspector", "admin")
SCOPES = ("own", "same-region", "other-region")
ALL_ROLES = (*ROLES, "pcc-office")
RECIPIENT_SCOPES = ("own-pcc-office", "own-recipient", "same-group", "other-group")
ALL_SCOPES = SCOPES + RECIPIENT_SCOPES
EVERYWHERE = frozenset(ALL_SCOPES)
# A recipient the person acts for: a police force, or (the national people's) a national body.
OWN = frozenset({"own", "own-recipient"})
# The recipients of the chief of staff's region (a PCC office of the South West; the
# national bodies of the National region).
REGION = frozenset({"own", "same-region", "own-pcc-office", "own-recipient", "same-group"})
NOWHERE: frozenset[str] = frozenset()
# A PCC office acts for its own recipient only.
PCC_OWN = frozenset({"own-pcc-office"})

# Whose items a person sees at all (elsewhere an item is "not found": its existence does
# not leak).
SEES: dict[str, frozenset[str]] = {
    "liaison-officer": OWN,
    "liaison-lead": OWN,
    "chief-of-staff": REGION,
    "inspector": EVERYWHERE,
    "admin": EVERYWHERE,
    # Its own items, and the police force it serves (for reading only): Gloucestershire,
    # which is `own` and `other-group` alike.
    "pcc-office": frozenset({"own", "own-pcc-office", "other-group"}),
}

# Where each role may take each action on an item (given the item is in a state the
# action needs: see STATE). Closure is a liaison lead's to propose and withdraw (their
# own proposal) and the region's chief of staff's to decide: never an administrator's,
# whose reach to every force is not a role for any of them.
MAY: dict[str, dict[str, frozenset[str]]] = {
    "progress-update": {"liaison-officer": OWN, "admin": EVERYWHERE, "pcc-office": PCC_OWN},
    "owner": {"liaison-officer": OWN, "admin": EVERYWHERE, "pcc-office": PCC_OWN},
    "comment": {"liaison-lead": OWN, "admin": EVERYWHERE},
    # The Welsh of a public update (issue 30): whoever may comment on the item.
    "add-welsh": {"liaison-lead": OWN, "admin": EVERYWHERE},
    "review": {"liaison-lead": OWN, "admin": EVERYWHERE},
    "no-further-action": {"liaison-lead": OWN, "admin": EVERYWHERE},
    "propose-closure": {"liaison-lead": OWN},
    "authorise-closure": {"chief-of-staff": REGION},
    "return-closure": {"chief-of-staff": REGION},
    # The proposal is the `proposer` fixture's (another lead): a lead withdraws only
    # their own; an administrator may withdraw any (withdrawing neither proposes nor
    # decides a closure).
    "withdraw-closure": {"admin": EVERYWHERE},
    "assign-lead": {"admin": EVERYWHERE},
    # A closed item whose problem a later inspection found still present: reopened by
    # the region's chief of staff or by an inspector (any force), never by an
    # administrator (reopening undoes a closure decision, which is never theirs).
    "reopen": {"chief-of-staff": REGION, "inspector": EVERYWHERE},
    # An effectiveness re-check the chief of staff asked for when authorising closure,
    # recorded as confirmed: the inspectorate's liaison lead for their forces, an
    # inspector anywhere, an administrator (recording it decides no closure). Not the
    # chief of staff, who asked for it, nor the force.
    "recheck": {"liaison-lead": OWN, "inspector": EVERYWHERE, "admin": EVERYWHERE},
}

# The state each action is tried in: "awaiting-review", "being-progressed", or
# "proposed" (being progressed, with a closure proposal by another lead), or "complete"
# (closure proposed by another lead and authorised by the region's chief of staff), or
# "recheck-due" (complete, with a re-check date that has come).
STATE: dict[str, str] = {
    "progress-update": "awaiting-review",
    "owner": "awaiting-review",
    "comment": "awaiting-review",
    "add-welsh": "complete",  # "Authorised for closure." is public, without Welsh
    "review": "awaiting-review",
    "no-further-action": "awaiting-review",
    "propose-closure": "being-progressed",
    "authorise-closure": "proposed",
    "return-closure": "proposed",
    "withdraw-closure": "proposed",
    "assign-lead": "awaiting-review",
    "reopen": "complete",
    "recheck": "recheck-due",
}


def sees(role: str, scope: str) -> bool:
    return scope in SEES[role]


def may(role: str, scope: str, action: str) -> bool:
    return scope in MAY[action].get(role, NOWHERE)


def expected_status(role: str, scope: str, action: str, *, allowed: int) -> int:
    """Not found outside what the person sees; forbidden where they see but may not act;
    `allowed` (the door's success code) otherwise."""
    if not sees(role, scope):
        return 404
    if not may(role, scope, action):
        return 403
    return allowed


# Actions on a force rather than an item, and on the portal as a whole.
MAY_FOR_FORCE: dict[str, dict[str, frozenset[str]]] = {
    # The police and crime commissioner's response to a report, per police force: written
    # by the PCC's office (for the force it serves), not by the force's own staff (issue
    # 28: liaison officers no longer may); the liaison lead and administrators too.
    "record-response": {
        "liaison-lead": OWN,
        "admin": EVERYWHERE,
        "pcc-office": frozenset({"own"}),
    },
    # Every open item of a force given a new liaison lead at once.
    "assign-force-lead": {"chief-of-staff": REGION, "admin": EVERYWHERE},
    # Removing an evidence file (with a reason; nobody deletes one).
    "remove-evidence": {"admin": EVERYWHERE},
}
# Who may use pages that are not about one force.
MAY_PAGE: dict[str, frozenset[str]] = {  # by role
    "publish-report": frozenset({"admin"}),
    "import-pages": frozenset({"liaison-lead", "admin"}),
    "reset-two-factor": frozenset({"admin"}),
}


def may_for_force(role: str, scope: str, action: str) -> bool:
    return scope in MAY_FOR_FORCE[action].get(role, NOWHERE)


def may_page(role: str, page: str) -> bool:
    return role in MAY_PAGE[page]


# SCIM provisioning (/scim/v2/, issue 27): an organisation's SCIM token manages only its
# own people. Seen from a force's token: `own` is a person of that force (a chief of
# staff: of its region), `other-region` one of a force elsewhere. A force's token
# manages its liaison officers; the inspectorate's token manages liaison leads, chiefs
# of staff and inspectors; no token manages an administrator (changed by hand only: a
# token that could rewrite an administrator's e-mail could take the account over).
# Anyone else is 404 to the token, for reading, changing, replacing and deleting alike.
SCIM_MANAGES: dict[str, dict[str, frozenset[str]]] = {
    "force": {"liaison-officer": OWN},
    "inspectorate": {
        "liaison-lead": EVERYWHERE,
        "chief-of-staff": EVERYWHERE,
        "inspector": EVERYWHERE,
    },
}
# The role a person created by each organisation's token holds: a force's token makes
# liaison officers of that force; the inspectorate's token makes people with no role
# (their role comes from an administrator or the inspectorate's provider).
SCIM_CREATES: dict[str, str | None] = {"force": "liaison-officer", "inspectorate": None}


def scim_manages(organisation: str, role: str, scope: str) -> bool:
    return scope in SCIM_MANAGES[organisation].get(role, NOWHERE)


# Sign-in with an organisation's account (issue 27, identity/): the role each kind of
# provider may grant from its roles claim, and where. A force's provider grants only the
# liaison officer's role, and only for its own force; the inspectorate's grants only the
# inspectorate's roles (a liaison lead, for any force it names; a chief of staff, for
# the region it names). Everything else it asserts grants nothing (and is logged).
SSO_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    "force": {"liaison-officer": OWN},
    "inspectorate": {
        "liaison-lead": EVERYWHERE,
        "chief-of-staff": EVERYWHERE,
        "inspector": EVERYWHERE,
        "admin": EVERYWHERE,
    },
}


def sso_grants(organisation: str, role: str, scope: str) -> bool:
    return scope in SSO_GRANTS[organisation].get(role, NOWHERE)

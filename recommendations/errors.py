"""Domain errors, each with its message and its HTTP status declared once.

Every door shows the error's own message: pages through `recommendations.views`, the
import preview as `FILE:LINE: message`, the shell on stderr. `http_status` is the one
mapping from a refusal to a status code: 400 for input to correct, 403 for a person who
may not do this at all, 409 for an item whose present state refuses it.
"""

from tracker.errors import DomainError

__all__ = ["DomainError"]  # the kernel's base (tracker.errors), the domain's errors below


class NotPermitted(DomainError):
    message = "You do not have permission to do this to this item."
    http_status = 403


class OutsideScope(NotPermitted):
    """The person holds the permission, but not for this force or region."""


class StateError(DomainError):
    """The person may do this in general, but not to the item as it is now."""

    http_status = 409


class InvalidTransition(StateError):
    message = "The item cannot move to that status from its current status."


class ClosureAlreadyProposed(StateError):
    message = "A closure proposal is already open for this item."


class ProposalOpen(StateError):
    message = (
        "A closure proposal is awaiting a decision. Withdraw the closure proposal first, "
        "or ask the chief of staff to decide it."
    )


class NoOpenProposal(StateError):
    message = "There is no closure proposal awaiting authorisation for this item."


class AlreadyAuthorised(StateError):
    message = "This closure has already been authorised."


class AlreadyReturned(StateError):
    message = "This closure proposal has already been returned."


class AlreadyWithdrawn(StateError):
    message = "This closure proposal has already been withdrawn."


class OwnProposal(StateError):
    message = "You proposed this closure, so someone else must authorise or return it."


class NotYourProposal(DomainError):
    message = "Only the person who proposed this closure, or an administrator, can withdraw it."
    http_status = 403


class ItemChanged(StateError):
    message = (
        "This item changed since you opened it. Check the current values below "
        "and make your change again."
    )


class BackdatedStatus(DomainError):
    message = "A status entry cannot be dated before the item's latest timeline entry."


class FutureDate(DomainError):
    message = "The date must be today or in the past."


class ReasonRequired(DomainError):
    message = "Enter the reason the target date is moving."


class NotALead(DomainError):
    message = "Choose a liaison lead who acts for this item's force."


class NoRecheck(StateError):
    message = "This item has no effectiveness re-check to record."

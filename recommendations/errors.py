"""Domain errors, each with its message declared once; tests import these."""


class DomainError(Exception):
    """A change refused for a reason the person can act on; `message` says which."""

    message = "This change cannot be made."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.message
        self.field = field
        super().__init__(self.message)


class NotPermitted(DomainError):
    message = "You do not have permission to do this to this item."


class InvalidTransition(DomainError):
    message = "The item cannot move to that status from its current status."


class ClosureAlreadyProposed(DomainError):
    message = "A closure proposal is already awaiting authorisation for this item."


class NoOpenProposal(DomainError):
    message = "There is no closure proposal awaiting authorisation for this item."


class AlreadyAuthorised(DomainError):
    message = "This closure has already been authorised."


class AlreadyReturned(DomainError):
    message = "This closure proposal has already been returned."


class OwnProposal(DomainError):
    message = "You proposed this closure, so someone else must authorise or return it."


class ItemChanged(DomainError):
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

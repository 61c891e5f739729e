"""The base of every refusal a person can act on: a message and an HTTP status, declared
once per error. The domain's own errors (`recommendations.errors`) and the kernel's
(upload limits, tracker.uploads) subclass it; the kernel maps any of them to a page
(tracker.refusals) and the API to problem+json (api.problems)."""


class DomainError(Exception):
    """A change refused for a reason the person can act on; `message` says which."""

    message = "This change cannot be made."
    http_status = 400

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.message
        self.field = field
        super().__init__(self.message)

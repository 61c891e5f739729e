from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "responses"
    verbose_name = "Police and crime commissioners' responses"

    def ready(self) -> None:
        """Add the responses to the core's items list and reminder digest."""
        from recommendations import hooks

        from .filters import LIST_FILTER
        from .reminders import DIGEST

        hooks.register_list_filter(LIST_FILTER)
        hooks.register_digest_section(DIGEST)

from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Recommendation Tracker"

    def ready(self) -> None:
        from . import (
            passkeys,  # noqa: F401  # registers its settings check
            security,  # connects the security log's signal receivers
        )
        from .database_rules import register_history_triggers

        register_history_triggers()  # every history table is append-only in PostgreSQL
        security.connect_admin_changes()

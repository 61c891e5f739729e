from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "monitoring"
    verbose_name = "Public monitoring portal"

    def ready(self) -> None:
        from . import signals  # noqa: F401  # connects the public-version bumps

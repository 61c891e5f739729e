from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = "Evidence files"

    def ready(self) -> None:
        from recommendations import hooks

        from . import signals  # noqa: F401  # connects the retention receiver
        from .services import store_files

        hooks.register_file_store(store_files)

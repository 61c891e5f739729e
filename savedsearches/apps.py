from django.apps import AppConfig


class SavedSearchesConfig(AppConfig):
    name = "savedsearches"
    verbose_name = "Saved views"
    default_auto_field = "django.db.models.BigAutoField"

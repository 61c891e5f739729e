from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "scim"
    label = "scim"
    verbose_name = "SCIM provisioning"

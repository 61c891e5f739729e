from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "engage"
    verbose_name = "Engage and improvement plans"

    def ready(self) -> None:
        """Plug Engage into the core (recommendations.hooks): the closure rule for causes
        of concern with open plan actions, and what the public site shows (the forces in
        Engage, since when) and when its cache must be refreshed."""
        from recommendations import hooks

        from .models import MonitoringStage
        from .selectors import engage_since, public_forces_in_engage
        from .services import closure_check

        hooks.register_closure_check(closure_check)
        hooks.register_monitoring_stages(
            hooks.MonitoringStages(since=engage_since, in_engage=public_forces_in_engage)
        )
        hooks.register_public_model(MonitoringStage)

from django.apps import AppConfig


class ForcesConfig(AppConfig):
    name = "forces"
    verbose_name = "Forces, regions and people's scope"

    def ready(self) -> None:
        from tracker import two_factor

        from .selectors import role_of

        def role_slug(user: object) -> str | None:
            spec = role_of(user)
            return spec.slug if spec is not None else None

        # Two-factor sign-in asks a person's role through this (the kernel imports no app).
        two_factor.register_role_lookup(role_slug)

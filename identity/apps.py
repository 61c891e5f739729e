from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Sign-in with an organisation's account (OpenID Connect)"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .signals import password_sign_in_logged

        user_logged_in.connect(password_sign_in_logged, dispatch_uid="identity-password-sign-in")

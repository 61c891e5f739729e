"""The third-party apps under names people read in the Django admin (not "OTP_TOTP" or
"AXES"). A module of their own: `tracker.apps` keeps one AppConfig, so Django still
picks TrackerConfig (whose ready() registers the history triggers) for "tracker"."""

from axes.apps import AppConfig as AxesConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as OTPStaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OTPTOTPConfig
from django_otp_webauthn.apps import (
    OtpWebauthnConfig,
)


class AuthenticatorAppsConfig(OTPTOTPConfig):
    verbose_name = "Two-factor sign-in: authenticator apps"


class RecoveryCodesConfig(OTPStaticConfig):
    verbose_name = "Two-factor sign-in: recovery codes"


class PasskeysConfig(OtpWebauthnConfig):
    verbose_name = "Two-factor sign-in: passkeys"


class SignInAttemptsConfig(AxesConfig):
    verbose_name = "Sign-in attempts and lockouts"

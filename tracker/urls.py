from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from forces import language as forces_language
from identity import forms as identity_forms
from identity import views as identity_views
from tracker import accounts, passkey_views, step_up, two_factor_views
from tracker import views as tracker_views

handler403 = "tracker.views.permission_denied"
# Both sign-in forms refuse a username longer than any account's (tracker.accounts), and
# a password from people whose organisation's provider has password sign-in off (identity).
admin.site.login_form = identity_forms.AdminPasswordSignInForm

urlpatterns = [
    path("accounts/session/", tracker_views.session_extend, name="session_extend"),
    # Django's auth views (django.contrib.auth.urls), the password ones with the portal's
    # throttling, rate limits, security log and change notices (tracker.accounts).
    # The sign-in page: an e-mail address sends the person to their organisation's
    # provider (identity/, OpenID Connect); a username and password signs in here.
    path("accounts/login/", identity_views.SignInView.as_view(), name="login"),
    path("", include("identity.urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/two-factor/", two_factor_views.verify, name="two_factor_verify"),
    path("accounts/two-factor/set-up/", two_factor_views.setup, name="two_factor_setup"),
    path("accounts/two-factor/recovery/", two_factor_views.recovery, name="two_factor_recovery"),
    path("accounts/two-factor/codes/", two_factor_views.codes, name="two_factor_codes"),
    path("accounts/two-factor/reset/<int:pk>/", two_factor_views.reset, name="two_factor_reset"),
    path("accounts/passkeys/", passkey_views.passkey_list, name="passkeys"),
    path("accounts/passkeys/add/", passkey_views.passkey_add, name="passkey_add"),
    path("accounts/passkeys/<int:pk>/name/", passkey_views.passkey_name, name="passkey_name"),
    path(
        "accounts/passkeys/<int:pk>/remove/",
        passkey_views.passkey_remove,
        name="passkey_remove",
    ),
    # django-otp-webauthn's ceremony endpoints, under the library's names (its scripts).
    path(
        "accounts/passkeys/webauthn/",
        include((passkey_views.webauthn_urls, "otp_webauthn"), namespace="otp_webauthn"),
    ),
    path("accounts/confirm-password/", step_up.confirm_password, name="step_up"),
    path("accounts/language/", forces_language.language, name="language"),
    path("admin/", admin.site.urls),
    path("healthz", tracker_views.healthz, name="healthz"),
    path("assets/images/<str:name>", tracker_views.moj_asset, name="moj_asset"),
    path("accessibility/", tracker_views.accessibility, name="accessibility"),
    path("", include("responses.urls")),
    path("saved-views/", include("savedsearches.urls")),
    path("engage/", include("engage.urls")),
    path("api/", include("api.urls")),
    path("scim/v2/", include("scim.urls")),  # SCIM provisioning: SCIM tokens only
    path("", include("evidence.urls")),
    path("", include("recommendations.urls")),
]
# The public portal (no sign-in), in English at /monitoring/... and in Welsh at
# /cy/monitoring/... (issue 30): the same views, the language from the address.
urlpatterns += i18n_patterns(path("", include("monitoring.urls")), prefix_default_language=False)

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker import accounts, step_up, two_factor_views
from tracker import views as tracker_views

handler403 = "tracker.views.permission_denied"
# Both sign-in forms refuse a username longer than any account's (tracker.accounts).
admin.site.login_form = accounts.AdminSignInForm

urlpatterns = [
    path("accounts/session/", tracker_views.session_extend, name="session_extend"),
    # Django's auth views (django.contrib.auth.urls), the password ones with the portal's
    # throttling, rate limits, security log and change notices (tracker.accounts).
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=accounts.SignInForm),
        name="login",
    ),
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
    path("accounts/confirm-password/", step_up.confirm_password, name="step_up"),
    path("admin/", admin.site.urls),
    path("healthz", tracker_views.healthz, name="healthz"),
    path("assets/images/<str:name>", tracker_views.moj_asset, name="moj_asset"),
    path("accessibility/", tracker_views.accessibility, name="accessibility"),
    path("", include("responses.urls")),
    path("saved-views/", include("savedsearches.urls")),
    path("api/", include("api.urls")),
    path("", include("monitoring.urls")),  # the public portal: no sign-in
    path("", include("evidence.urls")),
    path("", include("recommendations.urls")),
]

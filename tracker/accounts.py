"""Django's password views with the portal's controls: the current-password check of the
change-password page is throttled, password-reset requests are rate limited, each change
is logged and emailed to the person, and a completed reset ends any sign-in lockout."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect

from . import security
from .security import event

LOCKED_MESSAGE = (
    "You entered the wrong current password too many times. Wait 15 minutes, then try "
    "again, or reset your password from the sign-in page"
)


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """After PASSWORD_CHANGE_FAILURE_LIMIT wrong current passwords the check is locked for
    AXES_COOLOFF_TIME: the current password is not even tried, so guessing it here is no
    easier than at sign-in."""

    locked = False

    def clean_old_password(self) -> str:
        if security.password_check_locked(self.user):
            self.locked = True
            raise ValidationError(LOCKED_MESSAGE, code="locked")
        try:
            return super().clean_old_password()
        except ValidationError:
            event("password-change-failed", user=self.user)
            if security.password_check_failed(self.user):
                self.locked = True
                event("password-change-locked", user=self.user)
                raise ValidationError(LOCKED_MESSAGE, code="locked") from None
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        security.password_check_reset(form.user)
        event("password-change", user=form.user)
        security.password_changed_notify(form.user)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.locked:
            response.status_code = 429
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Over either rate limit the answer is the same "check your email" page, but nothing is
    sent: the page says nothing about the limits or about which addresses have accounts."""

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        if security.password_reset_throttled(self.request, email):
            event("password-reset-throttled")
            return HttpResponseRedirect(self.get_success_url())
        users = list(form.get_users(email))
        response = super().form_valid(form)
        for user in users:
            event("password-reset-requested", user=user)
        if not users:
            event("password-reset-requested", matched=False)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        security.lockouts_clear(form.user)
        event("password-reset-completed", user=form.user)
        security.password_changed_notify(form.user)
        return response

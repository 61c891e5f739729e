from django.urls import path

from . import views

urlpatterns = [
    path("accounts/oidc/callback/", views.CallbackView.as_view(), name="oidc_callback"),
    path("accounts/access-being-set-up/", views.access_pending, name="access_pending"),
]
